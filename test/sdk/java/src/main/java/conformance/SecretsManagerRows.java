package conformance;

import com.aliyuncs.exceptions.ClientException;
import com.aliyuncs.kms.secretsmanager.client.SecretCacheClient;
import com.aliyuncs.kms.secretsmanager.client.SecretCacheClientBuilder;
import com.aliyuncs.kms.secretsmanager.client.model.RegionInfo;
import com.aliyuncs.kms.secretsmanager.client.model.SecretInfo;
import com.aliyuncs.kms.secretsmanager.client.service.BaseSecretManagerClientBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Rows for alibabacloud-secretsmanager-client, the Java Secrets Manager cache client (GetSecretValue
 * only). It signs with aliyun-java-sdk-core (RPC V1), always over HTTPS, asks for XML, and ignores
 * certificates itself (HttpClientConfig.setIgnoreSSLCerts(true)), so it is pointed at the emulator's
 * TLS listener. Fixtures it cannot create (secrets, rotations) are made through the V1 helper caller.
 */
final class SecretsManagerRows {
  static final String NAME = "java alibabacloud-secretsmanager-client";
  static final String HTTPS_ENDPOINT = Main.env("KMS_HTTPS_ENDPOINT", "");

  private SecretsManagerRows() {}

  interface Row {
    String run() throws Exception;
  }

  static SecretCacheClient client(String ak, String sk) throws Exception {
    if (HTTPS_ENDPOINT.isEmpty()) throw new Skipped("KMS_HTTPS_ENDPOINT is not set (this client only speaks HTTPS)");
    return SecretCacheClientBuilder.newCacheClientBuilder(
            BaseSecretManagerClientBuilder.standard()
                .withAccessKey(ak, sk)
                .addRegion(new RegionInfo("cn-hangzhou", HTTPS_ENDPOINT))
                .build())
        .build();
  }

  static final class Skipped extends RuntimeException {
    Skipped(String message) {
      super(message);
    }
  }

  /** The error code behind a CacheSecretException: the ClientException in its causes. */
  static String codeOf(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof ClientException ce && ce.getErrCode() != null) return ce.getErrCode();
    }
    return Main.code(e instanceof Exception ex ? ex : new Exception(e));
  }

  static String expectCode(SecretCacheClient client, String secret, String... codes) throws Exception {
    try {
      SecretInfo info = client.getSecretInfo(secret);
      throw new Main.Failure("read " + secret + " (" + info.getVersionId() + "); expected " + String.join(" or ", codes));
    } catch (Main.Failure f) {
      throw f;
    } catch (Exception e) {
      String got = codeOf(e);
      for (String code : codes) if (code.equals(got)) return got;
      throw new Main.Failure("expected " + String.join(" or ", codes) + ", got " + got + ": " + e.getMessage());
    }
  }

  static List<Map<String, String>> run() {
    List<Map<String, String>> results = new ArrayList<>();
    for (String row : List.of("service", "instances", "keys", "crypto", "asymmetric-sign", "asymmetric-encrypt", "mac")) {
      results.add(Map.of("client", NAME, "row", row, "status", "skipped", "detail", "the client offers GetSecretValue only"));
    }
    Map<String, Row> rows = new java.util.LinkedHashMap<>();
    rows.put("errors", () -> {
      List<String> notes = new ArrayList<>();
      try (SecretCacheClient good = client(Main.AK, Main.SK)) {
        notes.add("unknown secret: " + expectCode(good, Main.unique("java-sm-missing"), "Forbidden.ResourceNotFound"));
      }
      // aliyun-java-sdk-core turns SignatureDoesNotMatch into SDK.InvalidAccessKeySecret when the
      // server's string to sign (in its message) equals its own, as the emulator's does.
      try (SecretCacheClient wrong = client(Main.AK, Main.SK + "-wrong")) {
        notes.add("wrong secret: " + expectCode(wrong, "java-sm-any", "SignatureDoesNotMatch", "SDK.InvalidAccessKeySecret"));
      }
      try (SecretCacheClient unknown = client("LTAIUnknownJavaSmKey", Main.SK)) {
        notes.add("unknown AK: " + expectCode(unknown, "java-sm-any", "InvalidAccessKeyId.NotFound"));
      }
      return String.join("; ", notes) + " (over HTTPS)";
    });
    rows.put("secrets", () -> {
      String name = Main.unique("java-sm-generic");
      String value = "{\"user\":\"app\",\"password\":\"Java#Sm-1\",\"note\":\"read through the cache client\"}";
      Main.run(Main.v1(Main.AK, Main.SK), "CreateSecret", Main.m("SecretName", name, "SecretData", value, "VersionId", "v1"));
      try (SecretCacheClient client = client(Main.AK, Main.SK)) {
        SecretInfo info = client.getSecretInfo(name);
        Main.check(value.equals(info.getSecretValue()), "SecretValue " + info.getSecretValue());
        Main.check("v1".equals(info.getVersionId()), "VersionId " + info.getVersionId());
        Main.check("Generic".equals(info.getSecretType()), "SecretType " + info.getSecretType());
        Main.check("text".equals(info.getSecretDataType()), "SecretDataType " + info.getSecretDataType());
        Main.check(value.equals(client.getStringValue(name)), "getStringValue");
      }
      return "read a generic secret (v1) over HTTPS through the cache client";
    });
    rows.put("managed-rotation", () -> {
      Main.Caller c = Main.v1(Main.AK, Main.SK);
      String db = Main.unique("rm-javasm");
      Map<String, Object> created = Main.control("POST", "rds-instances",
          Map.of("DBInstanceId", db, "Accounts", List.of(Map.of("AccountName", "app", "AccountPassword", "Initial#1"))));
      if (((Number) created.get("status")).intValue() == 404) throw new Main.NotBuilt("no simulated databases");
      String name = Main.unique("java-sm-rds");
      Main.run(c, "CreateSecret", Main.m("SecretName", name, "SecretType", "Rds", "VersionId", "v1",
          "SecretData", "{\"Accounts\":[{\"AccountName\":\"app\",\"AccountPassword\":\"Initial#1\"}]}",
          "ExtendedConfig", "{\"SecretSubType\":\"SingleUser\",\"DBInstanceId\":\"" + db + "\"}"));
      try (SecretCacheClient client = client(Main.AK, Main.SK)) {
        SecretInfo first = client.getSecretInfo(name);
        Main.check("Rds".equals(first.getSecretType()), "SecretType " + first.getSecretType());
        Main.check(first.getExtendedConfig() != null && first.getExtendedConfig().startsWith("{"),
            "ExtendedConfig is not a JSON string: " + first.getExtendedConfig());
        Main.run(c, "RotateSecret", Main.m("SecretName", name, "VersionId", "r2"));
        Main.control("POST", "clock", Map.of("advance", "1m"));
        SecretInfo cached = client.getSecretInfo(name);
        Main.check(first.getVersionId().equals(cached.getVersionId()),
            "before a refresh the cache should serve " + first.getVersionId() + ", served " + cached.getVersionId());
        Main.check(client.refreshNow(name), "refreshNow reported failure");
        SecretInfo fresh = client.getSecretInfo(name);
        Main.check("r2".equals(fresh.getVersionId()), "after refreshNow: version " + fresh.getVersionId());
        Object password = Main.json(fresh.getSecretValue()).get("AccountPassword");
        Main.check(password != null && !"Initial#1".equals(password), "the password did not change: " + fresh.getSecretValue());
        Map<String, Object> valid = Main.control("POST", "credentials/check",
            Map.of("DBInstanceId", db, "AccountName", "app", "AccountPassword", password));
        Main.check(Boolean.TRUE.equals(valid.get("valid")), "the database does not accept the refreshed password");
        return "cache served " + first.getVersionId() + " until refreshNow, then r2 (accepted by the database)";
      }
    });
    rows.put("seeded-fixture", () -> {
      String name = Main.unique("java-sm-seeded");
      Map<String, Object> seeded = Main.control("POST", "seed", Map.of(
          "secrets", List.of(Map.of("secretName", name, "versions", List.of(Map.of("versionId", "s1", "secretData", "seeded for java"))))));
      Main.check(((Number) seeded.get("status")).intValue() == 200, "seed: " + seeded);
      try (SecretCacheClient client = client(Main.AK, Main.SK)) {
        SecretInfo info = client.getSecretInfo(name);
        Main.check("seeded for java".equals(info.getSecretValue()) && "s1".equals(info.getVersionId()),
            "seeded secret: " + info.getSecretValue() + " " + info.getVersionId());
      }
      return "read seeded secret " + name;
    });
    for (var row : rows.entrySet()) {
      String status = "pass";
      String detail;
      try {
        detail = row.getValue().run();
      } catch (Skipped e) {
        status = "skipped";
        detail = e.getMessage();
      } catch (Main.NotBuilt e) {
        status = "not-built-yet";
        detail = e.getMessage();
      } catch (Exception e) {
        status = "fail";
        detail = String.valueOf(e.getMessage()).split("\n")[0];
      }
      System.out.printf("%-13s %s · %s %s%n", status, NAME, row.getKey(), detail);
      results.add(Map.of("client", NAME, "row", row.getKey(), "status", status, "detail", detail));
    }
    return results;
  }
}
