package dkms;

import com.aliyun.dkms.gcs.openapi.models.Config;
import com.aliyun.dkms.gcs.openapi.util.models.RuntimeOptions;
import com.aliyun.dkms.gcs.sdk.Client;
import com.aliyun.dkms.gcs.sdk.models.*;
import com.aliyun.tea.TeaException;
import com.google.gson.Gson;
import com.google.gson.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.*;

/**
 * The KMS Instance SDK for Java (com.aliyun:alibabacloud-dkms-gcs-sdk) against the emulator's
 * gateway, certificate verification on. The calling test prepares the world through the OpenAPI
 * (test/helpers/instance-access.ts); this prints one JSON array of {case, ok, detail}.
 */
public final class Main {
  interface Case {
    String run() throws Exception;
  }

  static JsonObject w;
  static final List<Map<String, Object>> results = new ArrayList<>();

  static void run(String name, Case c) {
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("case", name);
    try {
      String detail = c.run();
      r.put("ok", true);
      r.put("detail", detail == null ? "" : detail);
    } catch (Throwable e) {
      r.put("ok", false);
      StringBuilder detail = new StringBuilder(e.toString());
      for (Throwable cause = e.getCause(); cause != null; cause = cause.getCause()) detail.append(" <- ").append(cause);
      r.put("detail", detail.toString());
    }
    results.add(r);
  }

  static String s(String name) {
    return w.get(name).getAsString();
  }

  static String keyFile(String name) {
    return w.getAsJsonObject("clientKeys").get(name).getAsString();
  }

  static Client client(String keyFile, String endpoint, boolean withCa) throws Exception {
    Config config = new Config()
        .setProtocol("https")
        .setClientKeyFile(keyFile)
        .setPassword(s("password"))
        .setEndpoint(endpoint);
    if (withCa) config.setCaFilePath(s("caFile"));
    return new Client(config);
  }

  static Client client(String name) throws Exception {
    return client(keyFile(name), s("gateway"), true);
  }

  static RuntimeOptions noRetry() {
    return new RuntimeOptions().setAutoretry(false);
  }

  interface Call {
    void run() throws Exception;
  }

  /** "code status" of the SDK's error. */
  static String refusal(Call call) {
    try {
      call.run();
      return "no error";
    } catch (TeaException e) {
      Object status = e.getData() == null ? null : e.getData().get("httpCode");
      return e.getCode() + " " + status;
    } catch (Exception e) {
      return e.toString();
    }
  }

  static void expect(boolean ok, String message) {
    if (!ok) throw new AssertionError(message);
  }

  public static void main(String[] args) throws Exception {
    w = new Gson().fromJson(Files.readString(Path.of(args[0])), JsonObject.class);
    Client app = client("app");
    String keyId = s("keyId");

    run("Encrypt / Decrypt with Aad", () -> {
      EncryptResponse enc = app.encrypt(new EncryptRequest().setKeyId(keyId)
          .setPlaintext("hello java".getBytes(StandardCharsets.UTF_8)).setAad("ctx".getBytes()));
      DecryptResponse dec = app.decrypt(new DecryptRequest().setKeyId(keyId)
          .setCiphertextBlob(enc.getCiphertextBlob()).setIv(enc.getIv()).setAad("ctx".getBytes()));
      expect(new String(dec.getPlaintext(), StandardCharsets.UTF_8).equals("hello java"), "round trip");
      expect("AES_GCM".equals(enc.getAlgorithm()), enc.getAlgorithm());
      return enc.getRequestId();
    });

    run("GenerateDataKey", () -> {
      GenerateDataKeyResponse out = app.generateDataKey(new GenerateDataKeyRequest().setKeyId(keyId).setNumberOfBytes(32));
      DecryptResponse dec = app.decrypt(new DecryptRequest().setKeyId(keyId)
          .setCiphertextBlob(out.getCiphertextBlob()).setIv(out.getIv()));
      expect(Arrays.equals(dec.getPlaintext(), out.getPlaintext()) && out.getPlaintext().length == 32, "data key");
      return "";
    });

    run("AdvanceEncrypt / AdvanceDecrypt / AdvanceGenerateDataKey", () -> {
      AdvanceEncryptResponse enc = app.advanceEncrypt(new AdvanceEncryptRequest().setKeyId(keyId)
          .setPlaintext("advanced".getBytes()));
      AdvanceDecryptResponse dec = app.advanceDecrypt(new AdvanceDecryptRequest().setCiphertextBlob(enc.getCiphertextBlob()));
      expect(new String(dec.getPlaintext()).equals("advanced"), "advance round trip");
      AdvanceGenerateDataKeyResponse gdk = app.advanceGenerateDataKey(
          new AdvanceGenerateDataKeyRequest().setKeyId(keyId).setNumberOfBytes(16));
      AdvanceDecryptResponse back = app.advanceDecrypt(new AdvanceDecryptRequest().setCiphertextBlob(gdk.getCiphertextBlob()));
      expect(Arrays.equals(back.getPlaintext(), gdk.getPlaintext()), "advance data key");
      return enc.getKeyVersionId();
    });

    run("GenerateRandom", () -> {
      GenerateRandomResponse out = app.generateRandom(new GenerateRandomRequest().setLength(24));
      expect(out.getRandom().length == 24, "length");
      String got = refusal(() -> app.generateRandomWithOptions(new GenerateRandomRequest().setLength(5000), noRetry()));
      expect(got.equals("InvalidParameter 400"), got);
      return "";
    });

    run("GetSecretValue", () -> {
      GetSecretValueResponse out = app.getSecretValue(new GetSecretValueRequest().setSecretName(s("secretName")));
      expect(s("secretValue").equals(out.getSecretData()), out.getSecretData());
      expect(out.getVersionStages().contains("ACSCurrent"), String.valueOf(out.getVersionStages()));
      return "";
    });

    run("refusals: policy, network rule, unknown key, deleted and forged client keys", () -> {
      Map<String, String[]> checks = new LinkedHashMap<>();
      checks.put("key outside Resources", new String[] {refusal(() -> app.encryptWithOptions(
          new EncryptRequest().setKeyId(s("otherKeyId")).setPlaintext("x".getBytes()), noRetry())), "Forbidden.NoPermission 403"});
      checks.put("secret without SecretUser", new String[] {refusal(() -> client("keys-app").getSecretValueWithOptions(
          new GetSecretValueRequest().setSecretName(s("secretName")), noRetry())), "Forbidden.NoPermission 403"});
      checks.put("outside the network rule", new String[] {refusal(() -> client("far-app").encryptWithOptions(
          new EncryptRequest().setKeyId(keyId).setPlaintext("x".getBytes()), noRetry())), "Forbidden.NoPermission 403"});
      checks.put("unknown key", new String[] {refusal(() -> app.encryptWithOptions(
          new EncryptRequest().setKeyId("key-nope").setPlaintext("x".getBytes()), noRetry())), "Forbidden.KeyNotFound 404"});
      checks.put("deleted client key", new String[] {refusal(() -> client("deleted").generateRandomWithOptions(
          new GenerateRandomRequest().setLength(8), noRetry())), "InvalidAccessKeyId.NotFound 401"});
      checks.put("forged signature", new String[] {refusal(() -> client("forged").generateRandomWithOptions(
          new GenerateRandomRequest().setLength(8), noRetry())), "SignatureDoesNotMatch 401"});
      checks.put("expired client key", new String[] {refusal(() -> client("expired").generateRandomWithOptions(
          new GenerateRandomRequest().setLength(8), noRetry())), "InvalidAccessKeyId.Inactive 401"});
      List<String> bad = new ArrayList<>();
      checks.forEach((what, pair) -> {
        if (!pair[0].equals(pair[1])) bad.add(what + ": got " + pair[0] + " want " + pair[1]);
      });
      expect(bad.isEmpty(), String.join("; ", bad));
      return checks.size() + " refusals";
    });

    run("certificate verification is on: the system roots do not trust the gateway", () -> {
      String port = s("gateway").substring(s("gateway").lastIndexOf(':') + 1);
      Client untrusting = client(keyFile("app"), "localhost:" + port, false);
      String got = refusal(() -> untrusting.generateRandomWithOptions(new GenerateRandomRequest().setLength(8), noRetry()));
      expect(got.toLowerCase().contains("certif") || got.toLowerCase().contains("ssl") || got.toLowerCase().contains("pkix"), got);
      return "refused";
    });

    run("Rejected.Throttling (429) is retried by the SDK", () -> {
      HttpClient http = HttpClient.newHttpClient();
      http.send(HttpRequest.newBuilder(URI.create(s("controlUrl") + "/_emulator/faults"))
          .header("content-type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString(
              "{\"action\":\"GenerateRandom\",\"error\":{\"code\":\"Rejected.Throttling\",\"status\":429},\"times\":1}"))
          .build(), HttpResponse.BodyHandlers.ofString());
      GenerateRandomResponse out = app.generateRandom(new GenerateRandomRequest().setLength(8));
      expect(out.getRandom().length == 8, "retried");
      return "";
    });

    run("Sign / Verify / GetPublicKey (ECDSA, checked by JCA)", () -> {
      Client keys = client("keys-app");
      byte[] message = "order 42 shipped".getBytes(StandardCharsets.UTF_8);
      SignResponse signed = keys.sign(new SignRequest().setKeyId(s("signKeyId")).setAlgorithm("ECDSA_SHA_256")
          .setMessage(message).setMessageType("RAW"));
      VerifyResponse verified = keys.verify(new VerifyRequest().setKeyId(s("signKeyId")).setAlgorithm("ECDSA_SHA_256")
          .setMessage(message).setMessageType("RAW").setSignature(signed.getSignature()));
      expect(Boolean.TRUE.equals(verified.getValue()), "the gateway did not verify its own signature");
      String pem = keys.getPublicKey(new GetPublicKeyRequest().setKeyId(s("signKeyId"))).getPublicKey();
      byte[] der = Base64.getMimeDecoder().decode(pem.replaceAll("-----[A-Z ]+-----", ""));
      java.security.PublicKey publicKey = java.security.KeyFactory.getInstance("EC")
          .generatePublic(new java.security.spec.X509EncodedKeySpec(der));
      java.security.Signature jca = java.security.Signature.getInstance("SHA256withECDSA");
      jca.initVerify(publicKey);
      jca.update(message);
      expect(jca.verify(signed.getSignature()), "JCA rejects the signature");
      return "verified by JCA";
    });

    run("GenerateDataKeyPair: the private key decrypts and matches the public key", () -> {
      GenerateDataKeyPairResponse pair = app.generateDataKeyPair(new GenerateDataKeyPairRequest().setKeyId(keyId)
          .setKeyPairSpec("RSA_2048").setKeyFormat("DER"));
      java.security.KeyFactory rsa = java.security.KeyFactory.getInstance("RSA");
      java.security.interfaces.RSAPrivateCrtKey priv = (java.security.interfaces.RSAPrivateCrtKey)
          rsa.generatePrivate(new java.security.spec.PKCS8EncodedKeySpec(pair.getPrivateKeyPlaintext()));
      java.security.interfaces.RSAPublicKey pub = (java.security.interfaces.RSAPublicKey)
          rsa.generatePublic(new java.security.spec.X509EncodedKeySpec(pair.getPublicKey()));
      expect(priv.getModulus().equals(pub.getModulus()), "public key does not match");
      DecryptResponse opened = app.decrypt(new DecryptRequest().setKeyId(keyId)
          .setCiphertextBlob(pair.getPrivateKeyCiphertextBlob()).setIv(pair.getIv()));
      expect(Arrays.equals(opened.getPlaintext(), pair.getPrivateKeyPlaintext()), "private key ciphertext");
      return "";
    });

    run("Secrets Manager client (alibabacloud-secretsmanager-client) in ClientKey mode reads and refreshes", () -> {
      com.aliyuncs.kms.secretsmanager.client.model.DKmsConfig dkms = new com.aliyuncs.kms.secretsmanager.client.model.DKmsConfig();
      dkms.setRegionId("cn-hangzhou");
      dkms.setProtocol("https");
      dkms.setClientKeyFile(keyFile("app"));
      dkms.setPassword(s("password"));
      dkms.setEndpoint(s("gateway"));
      dkms.setCaFilePath(s("caFile"));
      dkms.setIgnoreSslCerts(false);
      com.aliyuncs.kms.secretsmanager.client.SecretCacheClient cache =
          com.aliyuncs.kms.secretsmanager.client.SecretCacheClientBuilder.newCacheClientBuilder(
              com.aliyuncs.kms.secretsmanager.client.service.BaseSecretManagerClientBuilder.standard()
                  .addDKmsConfig(dkms).build()).build();
      try {
        com.aliyuncs.kms.secretsmanager.client.model.SecretInfo info;
        try {
          info = cache.getSecretInfo(s("secretName"));
        } catch (Exception e) {
          throw new AssertionError("getSecretInfo through the gateway: " + e, e);
        }
        expect(s("secretValue").equals(info.getSecretValue()), info.getSecretValue());
        // A new version through the OpenAPI (aliyun-java-sdk-core); refreshNow reads it through the gateway.
        com.aliyuncs.DefaultAcsClient openapi = new com.aliyuncs.DefaultAcsClient(com.aliyuncs.profile.DefaultProfile
            .getProfile("cn-hangzhou", "LTAIEmulatorAccessKeyId", "EmulatorAccessKeySecret"));
        com.aliyuncs.CommonRequest put = new com.aliyuncs.CommonRequest();
        put.setSysMethod(com.aliyuncs.http.MethodType.POST);
        put.setSysDomain(s("controlUrl").replace("http://", ""));
        put.setSysProtocol(com.aliyuncs.http.ProtocolType.HTTP);
        put.setSysVersion("2016-01-20");
        put.setSysAction("PutSecretValue");
        put.putQueryParameter("SecretName", s("secretName"));
        put.putQueryParameter("SecretData", "s3cret-v2");
        put.putQueryParameter("VersionId", "v2");
        openapi.getCommonResponse(put);
        expect(s("secretValue").equals(cache.getStringValue(s("secretName"))), "cached until refreshed");
        expect(cache.refreshNow(s("secretName")), "refreshNow");
        expect("s3cret-v2".equals(cache.getStringValue(s("secretName"))), "after refresh: " + cache.getStringValue(s("secretName")));
        return info.getVersionId();
      } finally {
        cache.close();
      }
    });

    System.out.println(new Gson().toJson(results));
    System.out.flush();
    // The Secrets Manager client leaves refresh threads running.
    System.exit(0);
  }
}
