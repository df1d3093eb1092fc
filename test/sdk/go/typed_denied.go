// The typed-denied row (issue #25 §6): a RAM user's typed KMS call is denied with the denial's
// AccessDeniedDetail on the client's error, allowed once a custom policy grants it, denied again by
// an explicit Deny. The KMS calls are kms-20160120/v3's typed methods; its errors are
// *tea.SDKError (darabonba-openapi v2.1.13 passes them through dara.TeaSDKError), whose
// AccessDeniedDetail field holds the envelope's object. The module proxy does not serve
// github.com/alibabacloud-go/ram-20150501/v2, so RAM (CreateUser, CreateAccessKey, CreatePolicy,
// AttachPolicyToUser) goes through the same Tea client's CallApi, signed, with Version 2015-05-01.
package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	openapi "github.com/alibabacloud-go/darabonba-openapi/v2/client"
	kms "github.com/alibabacloud-go/kms-20160120/v3/client"
	"github.com/alibabacloud-go/tea/dara"
	"github.com/alibabacloud-go/tea/tea"
)

func init() {
	rows = append(rows, struct {
		name string
		fn   func(c client)
	}{"typed-denied", func(c client) {
		if !c.typed {
			panic(skipped{"not a typed client (CommonRequest, JSON maps)"})
		}
		panic(passed{typedDenied()})
	}})
}

// ramCall is a signed RAM 2015-05-01 call through the typed KMS client's own CallApi.
func ramCall(tc *kms.Client, action string, params map[string]string) map[string]any {
	query := map[string]*string{}
	for k, v := range params {
		query[k] = dara.String(v)
	}
	res, err := tc.CallApi(&openapi.Params{
		Action: dara.String(action), Version: dara.String("2015-05-01"), Protocol: dara.String("HTTP"),
		Pathname: dara.String("/"), Method: dara.String("POST"), AuthType: dara.String("AK"),
		Style: dara.String("RPC"), ReqBodyType: dara.String("formData"), BodyType: dara.String("json"),
	}, &openapi.OpenApiRequest{Query: query}, &dara.RuntimeOptions{})
	if err != nil {
		panic(fmt.Errorf("RAM %s: %w", action, err))
	}
	body, _ := res["body"].(map[string]any)
	return body
}

func encryptPolicy(effect, keyID string) string {
	doc, _ := json.Marshal(map[string]any{
		"Version": "1",
		"Statement": []map[string]any{{
			"Effect": effect, "Action": []string{"kms:Encrypt"}, "Resource": []string{"acs:kms:*:*:key/" + keyID},
		}},
	})
	return string(doc)
}

// expectDenied checks err is the typed client's error for a denial with the wanted detail.
func expectDenied(err error, want, account, what string) string {
	check(err != nil, "%s: expected Forbidden.NoPermission, the call succeeded", what)
	var sdkErr *tea.SDKError
	if !errors.As(err, &sdkErr) {
		panic(fmt.Errorf("%s: expected a *tea.SDKError, got %T: %v", what, err, err))
	}
	check(dara.StringValue(sdkErr.Code) == "Forbidden.NoPermission", "%s: expected Forbidden.NoPermission, got %s", what, dara.StringValue(sdkErr.Code))
	check(dara.IntValue(sdkErr.StatusCode) == 403, "%s: expected HTTP 403 (Encrypt's spec names no other status for it), got %d", what, dara.IntValue(sdkErr.StatusCode))
	detail := sdkErr.AccessDeniedDetail
	check(detail != nil, "%s: (*tea.SDKError).AccessDeniedDetail is nil (data: %s)", what, dara.StringValue(sdkErr.Data))
	expected := [][2]string{
		{"AuthAction", "kms:Encrypt"},
		{"NoPermissionType", want},
		{"AuthPrincipalType", "SubUser"},
		{"AuthPrincipalOwnerId", account},
	}
	var wrong []string
	for _, kv := range expected {
		if got, _ := detail[kv[0]].(string); got != kv[1] {
			wrong = append(wrong, fmt.Sprintf("%s=%v (want %s)", kv[0], detail[kv[0]], kv[1]))
		}
	}
	check(len(wrong) == 0, "%s: AccessDeniedDetail %s", what, strings.Join(wrong, ", "))
	for _, name := range []string{"PolicyType", "AuthPrincipalDisplayName", "EncodedDiagnosticMessage"} {
		s, _ := detail[name].(string)
		check(s != "", "%s: AccessDeniedDetail.%s is %v", what, name, detail[name])
	}
	return fmt.Sprintf("*tea.SDKError %s (HTTP %d)", want, dara.IntValue(sdkErr.StatusCode))
}

func typedDenied() string {
	root := teaClient(accessKey, secretKey)
	meta := must(root.CreateKey(&kms.CreateKeyRequest{Description: dara.String("typed-denied")})).Body.KeyMetadata
	keyID := dara.StringValue(meta.KeyId)
	arn := strings.Split(dara.StringValue(meta.Arn), ":")
	check(len(arn) > 3, "CreateKey: Arn %q", dara.StringValue(meta.Arn))
	account := arn[3]
	userName := unique("go-denied")
	user := ramCall(root, "CreateUser", map[string]string{"UserName": userName})
	check(str(path(user, "User", "UserName")) == userName, "CreateUser: %v", user)
	created := ramCall(root, "CreateAccessKey", map[string]string{"UserName": userName})
	userAK, userSK := str(path(created, "AccessKey", "AccessKeyId")), str(path(created, "AccessKey", "AccessKeySecret"))
	check(userAK != "" && userSK != "" && str(path(created, "AccessKey", "Status")) == "Active", "CreateAccessKey: %v", created)
	asUser := teaClient(userAK, userSK)
	encrypt := func() (*kms.EncryptResponse, error) {
		return asUser.Encrypt(&kms.EncryptRequest{KeyId: dara.String(keyID), Plaintext: dara.String("denied, then allowed")})
	}
	attach := func(effect string) {
		name := unique("go-" + strings.ToLower(effect) + "-encrypt")
		ramCall(root, "CreatePolicy", map[string]string{"PolicyName": name, "PolicyDocument": encryptPolicy(effect, keyID)})
		ramCall(root, "AttachPolicyToUser", map[string]string{"PolicyType": "Custom", "PolicyName": name, "UserName": userName})
	}

	_, err := encrypt()
	implicit := expectDenied(err, "ImplicitDeny", account, "Encrypt without a policy")
	attach("Allow")
	allowed := must(encrypt()).Body
	check(dara.StringValue(allowed.KeyId) == keyID && dara.StringValue(allowed.CiphertextBlob) != "",
		"Encrypt with the Allow policy: KeyId %s, CiphertextBlob %q", dara.StringValue(allowed.KeyId), dara.StringValue(allowed.CiphertextBlob))
	attach("Deny")
	_, err = encrypt()
	explicit := expectDenied(err, "ExplicitDeny", account, "Encrypt with an explicit Deny")
	return "Forbidden.NoPermission with " + implicit + ", then allowed by a custom policy, then " + explicit +
		"; detail from (*tea.SDKError).AccessDeniedDetail; RAM set-up through the same client's CallApi (Version 2015-05-01): ram-20150501/v2 is not served by the module proxy"
}
