package conformance;

import com.aliyuncs.CommonRequest;
import com.aliyuncs.CommonResponse;
import com.aliyuncs.DefaultAcsClient;
import com.aliyuncs.exceptions.ClientException;
import com.aliyuncs.http.MethodType;
import com.aliyuncs.http.ProtocolType;
import com.aliyuncs.kms.model.v20160120.DescribeRegionsRequest;
import com.aliyuncs.kms.model.v20160120.DescribeRegionsResponse;
import com.aliyuncs.kms.model.v20160120.EncryptRequest;
import com.aliyuncs.kms.model.v20160120.EncryptResponse;
import com.aliyuncs.profile.DefaultProfile;
import com.aliyun.tea.TeaException;
import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The conformance matrix through the official Java clients: aliyun-java-sdk-core (+ -kms, V1
 * signature) and com.aliyun:kms20160120 (Tea, V3 signature). Writes [{client,row,status,detail}] to
 * $CONFORMANCE_OUT.
 */
public class Main {
  static final String ENDPOINT = env("KMS_ENDPOINT", "127.0.0.1:8080");
  static final String CONTROL = env("KMS_EMULATOR_URL", "http://" + ENDPOINT);
  static final String AK = env("ALIBABA_CLOUD_ACCESS_KEY_ID", "LTAIEmulatorAccessKeyId");
  static final String SK = env("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "EmulatorAccessKeySecret");
  static final Gson GSON = new GsonBuilder().setPrettyPrinting().create();

  static String env(String name, String fallback) {
    String v = System.getenv(name);
    return v == null || v.isEmpty() ? fallback : v;
  }

  static class NotBuilt extends RuntimeException {
    NotBuilt(String m) { super(m); }
  }

  static class Failure extends RuntimeException {
    Failure(String m) { super(m); }
  }

  interface Caller {
    Map<String, Object> call(String action, Map<String, String> params) throws Exception;
  }

  interface ClientFactory {
    Caller make(String ak, String sk) throws Exception;
  }

  static String code(Exception e) {
    if (e instanceof ClientException ce) return ce.getErrCode();
    if (e instanceof TeaException te) return te.getCode();
    Matcher m = Pattern.compile("Code:\\s*([A-Za-z][A-Za-z0-9._]*)").matcher(String.valueOf(e.getMessage()));
    return m.find() ? m.group(1) : "";
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> json(String text) {
    return GSON.fromJson(text, Map.class);
  }

  static Caller v1(String ak, String sk) {
    DefaultAcsClient client = new DefaultAcsClient(DefaultProfile.getProfile("cn-hangzhou", ak, sk));
    return (action, params) -> {
      CommonRequest request = new CommonRequest();
      request.setSysMethod(MethodType.POST);
      request.setSysDomain(ENDPOINT);
      request.setSysProtocol(ProtocolType.HTTP);
      request.setSysVersion("2016-01-20");
      request.setSysAction(action);
      params.forEach(request::putQueryParameter);
      CommonResponse response = client.getCommonResponse(request);
      return json(response.getData());
    };
  }

  static com.aliyun.kms20160120.Client tea(String ak, String sk) throws Exception {
    com.aliyun.teaopenapi.models.Config config = new com.aliyun.teaopenapi.models.Config()
        .setAccessKeyId(ak).setAccessKeySecret(sk).setEndpoint(ENDPOINT).setProtocol("http").setRegionId("cn-hangzhou");
    return new com.aliyun.kms20160120.Client(config);
  }

  @SuppressWarnings("unchecked")
  static Caller v3(String ak, String sk) throws Exception {
    com.aliyun.kms20160120.Client client = tea(ak, sk);
    return (action, params) -> {
      com.aliyun.teaopenapi.models.Params p = new com.aliyun.teaopenapi.models.Params()
          .setAction(action).setVersion("2016-01-20").setProtocol("HTTP").setPathname("/").setMethod("POST")
          .setAuthType("AK").setStyle("RPC").setReqBodyType("formData").setBodyType("json");
      Map<String, String> query = new HashMap<>(params);
      com.aliyun.teaopenapi.models.OpenApiRequest request = new com.aliyun.teaopenapi.models.OpenApiRequest()
          .setQuery(com.aliyun.openapiutil.Client.query(new HashMap<>(query)));
      Map<String, ?> result = client.callApi(p, request, new com.aliyun.teautil.models.RuntimeOptions());
      return (Map<String, Object>) result.get("body");
    };
  }

  static Map<String, Object> run(Caller c, String action, Map<String, String> params) throws Exception {
    try {
      return c.call(action, params);
    } catch (Exception e) {
      if ("UnsupportedOperation".equals(code(e))) throw new NotBuilt(action + " not implemented yet");
      throw new Failure(action + ": " + code(e) + " " + e.getMessage());
    }
  }

  static void expectCode(Caller c, String action, Map<String, String> params, String expected) {
    try {
      c.call(action, params);
    } catch (Exception e) {
      String got = code(e);
      if ("UnsupportedOperation".equals(got)) throw new NotBuilt(action + " not implemented yet");
      check(expected.equals(got), action + ": expected " + expected + ", got " + got + " (" + e.getMessage() + ")");
      return;
    }
    throw new Failure(action + ": expected " + expected + ", got success");
  }

  static void check(boolean ok, String message) {
    if (!ok) throw new Failure(message);
  }

  @SuppressWarnings("unchecked")
  static Object path(Map<String, Object> m, String... keys) {
    Object cur = m;
    for (String k : keys) {
      if (!(cur instanceof Map)) return null;
      cur = ((Map<String, Object>) cur).get(k);
    }
    return cur;
  }

  static String unique(String prefix) {
    return prefix + "-" + System.nanoTime() % 1_000_000_000L;
  }

  static Map<String, String> m(String... kv) {
    Map<String, String> out = new HashMap<>();
    for (int i = 0; i < kv.length; i += 2) out.put(kv[i], kv[i + 1]);
    return out;
  }

  static Map<String, Object> control(String method, String route, Object body) throws Exception {
    HttpRequest request = HttpRequest.newBuilder(URI.create(CONTROL + "/_emulator/" + route))
        .header("content-type", "application/json")
        .method(method, HttpRequest.BodyPublishers.ofString(GSON.toJson(body)))
        .build();
    HttpResponse<String> res = HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
    Map<String, Object> out = new HashMap<>();
    try {
      out.putAll(json(res.body()));
    } catch (Exception ignored) {
      // not JSON
    }
    out.put("status", res.statusCode());
    return out;
  }

  interface Row {
    void run(String client, ClientFactory factory) throws Exception;
  }

  public static void main(String[] args) throws Exception {
    Map<String, ClientFactory> clients = new java.util.LinkedHashMap<>();
    clients.put("java aliyun-java-sdk-core+kms (V1)", Main::v1);
    clients.put("java kms20160120 (V3)", Main::v3);

    Map<String, Row> rows = new java.util.LinkedHashMap<>();
    rows.put("service", (name, f) -> {
      if (name.contains("V1")) {
        DefaultAcsClient client = new DefaultAcsClient(DefaultProfile.getProfile("cn-hangzhou", AK, SK));
        DescribeRegionsRequest request = new DescribeRegionsRequest();
        request.setSysEndpoint(ENDPOINT);
        request.setSysProtocol(ProtocolType.HTTP);
        DescribeRegionsResponse response = client.getAcsResponse(request);
        check(response.getRegions().stream().anyMatch(r -> "cn-hangzhou".equals(r.getRegionId())), "typed DescribeRegions");
      } else {
        var res = tea(AK, SK).describeRegions();
        check(res.getBody().getRegions().getRegion().stream().anyMatch(r -> "cn-hangzhou".equals(r.getRegionId())), "typed DescribeRegions");
      }
    });
    rows.put("errors", (name, f) -> {
      expectCode(f.make(AK, SK + "-wrong"), "DescribeRegions", m(), "SignatureDoesNotMatch");
      expectCode(f.make("LTAIUnknownJavaKey", SK), "DescribeRegions", m(), "InvalidAccessKeyId.NotFound");
      expectCode(f.make(AK, SK), "GetSecretValue", m("SecretName", unique("missing")), "Forbidden.ResourceNotFound");
    });
    rows.put("instances", (name, f) -> {
      Caller c = f.make(AK, SK);
      Map<String, Object> list = run(c, "ListKmsInstances", m());
      List<?> items = (List<?>) path(list, "KmsInstances", "KmsInstance");
      check(items != null && !items.isEmpty(), "no instances");
      @SuppressWarnings("unchecked")
      String id = (String) ((Map<String, Object>) items.get(0)).get("KmsInstanceId");
      check(id.equals(path(run(c, "GetKmsInstance", m("KmsInstanceId", id)), "KmsInstance", "InstanceId")), "GetKmsInstance");
    });
    rows.put("keys", (name, f) -> {
      Caller c = f.make(AK, SK);
      String keyId = (String) path(run(c, "CreateKey", m("Description", "java")), "KeyMetadata", "KeyId");
      check("Enabled".equals(path(run(c, "DescribeKey", m("KeyId", keyId)), "KeyMetadata", "KeyState")), "not Enabled");
      String alias = "alias/" + unique("java");
      run(c, "CreateAlias", m("AliasName", alias, "KeyId", keyId));
      check(keyId.equals(path(run(c, "DescribeKey", m("KeyId", alias)), "KeyMetadata", "KeyId")), "alias");
    });
    rows.put("crypto", (name, f) -> {
      Caller c = f.make(AK, SK);
      String keyId = (String) path(run(c, "CreateKey", m()), "KeyMetadata", "KeyId");
      if (name.contains("V1")) {
        DefaultAcsClient client = new DefaultAcsClient(DefaultProfile.getProfile("cn-hangzhou", AK, SK));
        EncryptRequest request = new EncryptRequest();
        request.setSysEndpoint(ENDPOINT);
        request.setSysProtocol(ProtocolType.HTTP);
        request.setKeyId(keyId);
        request.setPlaintext("typed");
        EncryptResponse response = client.getAcsResponse(request);
        check("typed".equals(run(c, "Decrypt", m("CiphertextBlob", response.getCiphertextBlob())).get("Plaintext")), "typed Encrypt");
      }
      String ctx = "{\"app\":\"java\",\"tenant\":\"t1\"}";
      Map<String, Object> enc = run(c, "Encrypt", m("KeyId", keyId, "Plaintext", "hello kms", "EncryptionContext", ctx));
      String blob = (String) enc.get("CiphertextBlob");
      check("hello kms".equals(run(c, "Decrypt", m("CiphertextBlob", blob, "EncryptionContext", ctx)).get("Plaintext")), "Decrypt");
      expectCode(c, "Decrypt", m("CiphertextBlob", blob, "EncryptionContext", "{\"app\":\"other\"}"), "InvalidCiphertext");
      Map<String, Object> dk = run(c, "GenerateDataKey", m("KeyId", keyId, "NumberOfBytes", "32"));
      check(Base64.getDecoder().decode((String) dk.get("Plaintext")).length == 32, "data key size");
      check(dk.get("Plaintext").equals(run(c, "Decrypt", m("CiphertextBlob", (String) dk.get("CiphertextBlob"))).get("Plaintext")), "data key round trip");
    });
    rows.put("secrets", (name, f) -> {
      Caller c = f.make(AK, SK);
      String secret = unique("java-secret");
      run(c, "CreateSecret", m("SecretName", secret, "SecretData", "v1-value", "VersionId", "v1"));
      check("v1-value".equals(run(c, "GetSecretValue", m("SecretName", secret)).get("SecretData")), "GetSecretValue");
      run(c, "PutSecretValue", m("SecretName", secret, "SecretData", "v2-value", "VersionId", "v2"));
      Map<String, Object> v2 = run(c, "GetSecretValue", m("SecretName", secret));
      check("v2-value".equals(v2.get("SecretData")) && "v2".equals(v2.get("VersionId")), "after put");
      List<?> versions = (List<?>) path(run(c, "ListSecretVersionIds", m("SecretName", secret)), "VersionIds", "VersionId");
      check(versions.size() == 2, "versions");
      check(run(c, "DeleteSecret", m("SecretName", secret, "RecoveryWindowInDays", "7")).get("PlannedDeleteTime") != null, "delete");
      run(c, "RestoreSecret", m("SecretName", secret));
      check("v2-value".equals(run(c, "GetSecretValue", m("SecretName", secret)).get("SecretData")), "restored");
    });
    rows.put("managed-rotation", (name, f) -> {
      Caller c = f.make(AK, SK);
      String db = unique("rm");
      Map<String, Object> created = control("POST", "rds-instances",
          Map.of("DBInstanceId", db, "Accounts", List.of(Map.of("AccountName", "app", "AccountPassword", "Initial#1"))));
      if (((Number) created.get("status")).intValue() == 404) throw new NotBuilt("no simulated databases");
      String secret = unique("java-rds");
      run(c, "CreateSecret", m("SecretName", secret, "SecretType", "Rds", "VersionId", "v1",
          "SecretData", "{\"Accounts\":[{\"AccountName\":\"app\",\"AccountPassword\":\"Initial#1\"}]}",
          "ExtendedConfig", "{\"SecretSubType\":\"SingleUser\",\"DBInstanceId\":\"" + db + "\"}"));
      run(c, "RotateSecret", m("SecretName", secret, "VersionId", "r1"));
      control("POST", "clock", Map.of("advance", "1m"));
      Map<String, Object> got = run(c, "GetSecretValue", m("SecretName", secret));
      Map<String, Object> value = json((String) got.get("SecretData"));
      check("r1".equals(got.get("VersionId")) && !"Initial#1".equals(value.get("AccountPassword")), "after rotation");
      Map<String, Object> valid = control("POST", "credentials/check",
          Map.of("DBInstanceId", db, "AccountName", "app", "AccountPassword", value.get("AccountPassword")));
      check(Boolean.TRUE.equals(valid.get("valid")), "the database does not accept the rotated password");
    });
    rows.put("seeded-fixture", (name, f) -> {
      Caller c = f.make(AK, SK);
      String keyId = unique("key-java-seeded");
      String secret = unique("java-seeded");
      Map<String, Object> seeded = control("POST", "seed", Map.of(
          "keys", List.of(Map.of("keyId", keyId, "aliases", List.of("alias/" + keyId))),
          "secrets", List.of(Map.of("secretName", secret, "versions", List.of(Map.of("versionId", "v1", "secretData", "seeded"))))));
      if (((Number) seeded.get("status")).intValue() == 404) throw new NotBuilt("no seed loading");
      check(((Number) seeded.get("status")).intValue() == 200, "seed: " + seeded);
      check(keyId.equals(path(run(c, "DescribeKey", m("KeyId", "alias/" + keyId)), "KeyMetadata", "KeyId")), "seeded key");
      check("seeded".equals(run(c, "GetSecretValue", m("SecretName", secret)).get("SecretData")), "seeded secret");
    });

    AsymmetricRows.register(rows);

    List<Map<String, String>> results = new ArrayList<>();
    for (var client : clients.entrySet()) {
      for (var row : rows.entrySet()) {
        String status = "pass";
        String detail = "";
        try {
          row.getValue().run(client.getKey(), client.getValue());
        } catch (NotBuilt e) {
          status = "not-built-yet";
          detail = e.getMessage();
        } catch (Exception e) {
          status = "fail";
          detail = String.valueOf(e.getMessage()).split("\n")[0];
        }
        System.out.printf("%-13s %s · %s %s%n", status, client.getKey(), row.getKey(), detail);
        results.add(Map.of("client", client.getKey(), "row", row.getKey(), "status", status, "detail", detail));
      }
    }
    results.addAll(SecretsManagerRows.run());
    results.addAll(TypedRows.run(clients.keySet()));
    results.addAll(TypedDenied.run(clients.keySet()));
    String out = System.getenv("CONFORMANCE_OUT");
    if (out == null || out.isEmpty()) System.out.println(GSON.toJson(results));
    else Files.writeString(Path.of(out), GSON.toJson(results));
    System.exit(0); // the Secrets Manager client's refresh threads must not keep the JVM alive
  }
}
