"""One call shape for every KMS OpenAPI client: call(Action, **PascalCaseParams) -> response dict.

Each adapter drives an official client exactly as its documentation shows, pointed at the emulator;
errors come out as harness.ApiError.
"""

import importlib
import json
import re
import typing

from harness import ACCESS_KEY_ID, ACCESS_KEY_SECRET, KMS_ENDPOINT, REGION_ID, ApiError, Fail


class CoreKms:
    """aliyun-python-sdk-core + aliyun-python-sdk-kms: RPC V1 (HMAC-SHA1), request classes per action."""

    name = "py aliyun-python-sdk-kms (V1)"
    wrong_secret_codes = ("InvalidAccessKeySecret",)

    def __init__(self, access_key_id=ACCESS_KEY_ID, access_key_secret=ACCESS_KEY_SECRET):
        from aliyunsdkcore.client import AcsClient

        self.client = AcsClient(access_key_id, access_key_secret, REGION_ID)

    def with_credentials(self, access_key_id, access_key_secret):
        return CoreKms(access_key_id, access_key_secret)

    def call(self, action, **params):
        from aliyunsdkcore.acs_exception.exceptions import ClientException, ServerException

        module = importlib.import_module("aliyunsdkkms.request.v20160120.%sRequest" % action)
        request = getattr(module, "%sRequest" % action)()
        # The KMS request classes force HTTPS in their constructors: point them at the HTTP listener.
        request.set_endpoint(KMS_ENDPOINT)
        request.set_protocol_type("http")
        for name, value in params.items():
            setter = getattr(request, "set_" + name, None)
            if setter is None:
                raise Fail("%sRequest has no setter for %s" % (action, name))
            if isinstance(value, (dict, list)):
                value = json.dumps(value)  # map-valued parameters travel as JSON strings
            setter(value)
        try:
            body = self.client.do_action_with_exception(request)
        except ServerException as err:
            raise ApiError(action, err.get_error_code(), err.get_http_status(), err.get_error_msg(), err.get_request_id())
        except ClientException as err:
            raise ApiError(action, err.get_error_code(), None, err.get_error_msg(), client_side=True)
        try:
            parsed = json.loads(body.decode("utf-8"))
        except ValueError:
            raise Fail("%s: response is not JSON: %r" % (action, body[:200]))
        if not isinstance(parsed, dict) or not isinstance(parsed.get("RequestId"), str):
            raise Fail("%s: response has no RequestId string: %r" % (action, body[:200]))
        return parsed


def _snake(name):
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


class TeaKms:
    """alibabacloud_kms20160120 on alibabacloud_tea_openapi: ACS3-HMAC-SHA256 (V3) by default."""

    name = "py alibabacloud_kms20160120 (V3)"
    signature_algorithm = None
    has_batch_get_secret_value = True  # the V1 request classes have no BatchGetSecretValueRequest
    wrong_secret_codes = ("SignatureDoesNotMatch",)

    def __init__(self, access_key_id=ACCESS_KEY_ID, access_key_secret=ACCESS_KEY_SECRET):
        from alibabacloud_kms20160120.client import Client
        from alibabacloud_tea_openapi.utils_models import Config

        config = Config(
            access_key_id=access_key_id,
            access_key_secret=access_key_secret,
            endpoint=KMS_ENDPOINT,
            protocol="http",
            region_id=REGION_ID,
        )
        if self.signature_algorithm:
            config.signature_algorithm = self.signature_algorithm
        self.client = Client(config)

    def with_credentials(self, access_key_id, access_key_secret):
        return type(self)(access_key_id, access_key_secret)

    def call(self, action, **params):
        from alibabacloud_kms20160120 import models
        from darabonba.runtime import RuntimeOptions

        method = getattr(self.client, _snake(action) + "_with_options")
        request_class = getattr(models, action + "Request", None)
        try:
            if request_class is None:
                if params:
                    raise Fail("%s takes no request model, yet parameters were given" % action)
                response = method(RuntimeOptions())
            else:
                response = method(request_class().from_map(params), RuntimeOptions())
        except Exception as err:
            code = getattr(err, "code", None)
            if code is None or isinstance(err, Fail):
                raise
            data = getattr(err, "data", None) or {}
            status = getattr(err, "status_code", None) or (data.get("statusCode") if isinstance(data, dict) else None)
            message = data.get("Message") if isinstance(data, dict) else None
            request_id = data.get("RequestId") if isinstance(data, dict) else None
            raise ApiError(action, code, status, message or str(err), request_id, client_side=status is None)
        if response.status_code != 200:
            raise Fail("%s: HTTP %s on success" % (action, response.status_code))
        problems = []
        strict_types(response.body, action + "Response", problems)
        if problems:
            # What Java/Go Tea clients would refuse when casting the body to their model types.
            raise Fail("%s: response does not fit the SDK model: %s" % (action, "; ".join(problems[:5])))
        body = response.body.to_map()
        if not isinstance(body.get("RequestId"), str):
            raise Fail("%s: response has no RequestId string" % action)
        return body


class TeaKmsV2(TeaKms):
    """The same Tea client with signatureAlgorithm 'v2': RPC V1 signature (HMAC-SHA1), Format=json."""

    name = "py alibabacloud_kms20160120 (v2 sig)"
    signature_algorithm = "v2"


def strict_types(model, path, problems):
    """Checks every field of a parsed Tea model against its annotated type (str, int, bool, lists, nested)."""
    from darabonba.model import DaraModel

    try:
        hints = typing.get_type_hints(type(model).__init__)
    except Exception:
        return
    for name, hint in hints.items():
        if name == "return":
            continue
        value = getattr(model, name, None)
        if value is not None:
            _check_value(value, hint, "%s.%s" % (path, name), problems, DaraModel)


def _check_value(value, hint, path, problems, model_base):
    origin = typing.get_origin(hint)
    if hint is str:
        if not isinstance(value, str):
            problems.append("%s is %s, the model wants a string" % (path, type(value).__name__))
    elif hint is bool:
        if not isinstance(value, bool):
            problems.append("%s is %s, the model wants a boolean" % (path, type(value).__name__))
    elif hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            problems.append("%s is %s, the model wants an integer" % (path, type(value).__name__))
    elif hint is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            problems.append("%s is %s, the model wants a number" % (path, type(value).__name__))
    elif origin in (list, typing.List):
        if not isinstance(value, list):
            problems.append("%s is %s, the model wants a list" % (path, type(value).__name__))
        else:
            (inner,) = typing.get_args(hint) or (typing.Any,)
            for i, item in enumerate(value):
                if item is not None:
                    _check_value(item, inner, "%s[%d]" % (path, i), problems, model_base)
    elif origin in (dict, typing.Dict):
        if not isinstance(value, dict):
            problems.append("%s is %s, the model wants an object" % (path, type(value).__name__))
    elif isinstance(hint, type) and issubclass(hint, model_base):
        if isinstance(value, model_base):
            strict_types(value, path, problems)
        else:
            problems.append("%s is %s, the model wants an object" % (path, type(value).__name__))
