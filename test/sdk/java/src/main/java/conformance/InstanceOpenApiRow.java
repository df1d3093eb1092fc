package conformance;

import static conformance.Main.code;
import static conformance.Main.unique;

import com.aliyun.kms20160120.Client;
import com.aliyun.kms20160120.models.*;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * The instance-openapi row (issue #26 §1), the product document's Step 2: com.aliyun:kms20160120
 * (SDK V2.0, AccessKey credentials) pointed at the instance endpoint over https with
 * config.setCa(the instance CA's PEM content, GetKmsInstance's CaCertificateChainPem as is),
 * certificate verification on.
 *
 * The endpoint is the instance's host name, `<kst-id>.cryptoservice.kms.aliyuncs.com:<port of
 * KMS_GATEWAY_ENDPOINT>`, as in the document, resolved to 127.0.0.1 by a hosts file (what the VPC's
 * DNS does for the real one): the Tea core this client brings (com.aliyun:tea 1.3.0) reads only the
 * FIRST certificate of config.ca — the instance CA — and trusts nothing else, so the emulator's
 * loopback certificate (127.0.0.1, issued by the emulator root, the chain's second block) is refused,
 * while the certificate for the host name, issued by the instance CA, verifies as on the real
 * service. The JVM reads its hosts file from a system property at start-up, so this row runs in a
 * JVM of its own (run-suite.sh: -Djdk.net.hosts.file=target/instance-hosts) and appends its results
 * to those of conformance.Main in $CONFORMANCE_OUT.
 *
 * The key, the
 * secret and the CA come from the shared endpoint through the same typed client (CreateKey and
 * CreateSecret with DKMSInstanceId, GetKmsInstance's CaCertificateChainPem). Checks, each on its
 * own so the detail names every one that failed: GetSecretValue returns the value; Encrypt then
 * Decrypt round-trip; CreateKey and ListKeys are refused with UnsupportedOperation; the same, signed
 * with the RPC V1 signature (signatureAlgorithm v2), reads the secret; and a client without the CA
 * refuses the endpoint's certificate (so verification was on).
 */
final class InstanceOpenApiRow {
  static final String ROW = "instance-openapi";
  static final String GATEWAY_ADDRESS = System.getenv("KMS_GATEWAY_ENDPOINT");
  static final String HOSTS = System.getProperty("jdk.net.hosts.file");

  /** Appends the results of this row to $CONFORMANCE_OUT (written by conformance.Main). */
  public static void main(String[] args) throws Exception {
    java.util.Set<String> others = new java.util.LinkedHashSet<>(List.of("java aliyun-java-sdk-core+kms (V1)"));
    List<Map<String, String>> results = new ArrayList<>();
    String out = System.getenv("CONFORMANCE_OUT");
    if (out != null && !out.isEmpty() && Files.exists(Path.of(out))) {
      @SuppressWarnings("unchecked")
      List<Map<String, String>> earlier = Main.GSON.fromJson(Files.readString(Path.of(out)), List.class);
      results.addAll(earlier);
    }
    results.addAll(run(others));
    if (out == null || out.isEmpty()) System.out.println(Main.GSON.toJson(results));
    else Files.writeString(Path.of(out), Main.GSON.toJson(results));
    System.exit(0);
  }

  static Client gateway(String endpoint, String ca, String signatureAlgorithm) throws Exception {
    com.aliyun.teaopenapi.models.Config config = new com.aliyun.teaopenapi.models.Config()
        .setAccessKeyId(Main.AK).setAccessKeySecret(Main.SK).setEndpoint(endpoint).setProtocol("https")
        .setRegionId("cn-hangzhou");
    if (ca != null) config.setCa(ca);
    if (signatureAlgorithm != null) config.setSignatureAlgorithm(signatureAlgorithm);
    return new Client(config);
  }

  static String describe(Exception e) {
    String message = String.valueOf(e.getMessage()).split("\n")[0];
    if (message.length() > 200) message = message.substring(0, 200);
    return code(e).isEmpty() ? e.getClass().getSimpleName() + ": " + message : code(e) + ": " + message;
  }

  interface Check {
    String run() throws Exception;
  }

  static List<Map<String, String>> run(Collection<String> otherClients) {
    List<Map<String, String>> results = new ArrayList<>();
    for (String other : otherClients) {
      if (other.equals(TypedRows.CLIENT)) continue;
      results.add(Map.of("client", other, "row", ROW, "status", "skipped", "detail", "not a typed client (CommonRequest, JSON maps)"));
    }
    results.add(Map.of("client", SecretsManagerRows.NAME, "row", ROW, "status", "skipped",
        "detail", "the Secrets Manager client ignores certificates on the OpenAPI endpoint: never pointed at the instance endpoint"));
    String status = "pass";
    String detail;
    try {
      detail = row();
    } catch (Exception e) {
      status = "fail";
      detail = describe(e);
    }
    System.out.printf("%-13s %s · %s %s%n", status, TypedRows.CLIENT, ROW, detail);
    results.add(Map.of("client", TypedRows.CLIENT, "row", ROW, "status", status, "detail", detail));
    return results;
  }

  static String row() throws Exception {
    if (GATEWAY_ADDRESS == null || GATEWAY_ADDRESS.isEmpty()) throw new Main.Failure("KMS_GATEWAY_ENDPOINT is not set (no --gateway-port)");
    if (HOSTS == null) throw new Main.Failure("run without -Djdk.net.hosts.file (see run-suite.sh)");
    String port = GATEWAY_ADDRESS.substring(GATEWAY_ADDRESS.lastIndexOf(':') + 1);
    Client shared = Main.tea(Main.AK, Main.SK);
    var instances = shared.listKmsInstances(new ListKmsInstancesRequest().setPageSize(100)).getBody().getKmsInstances().getKmsInstance();
    if (instances.isEmpty()) throw new Main.Failure("ListKmsInstances on the shared endpoint lists no instance");
    String instanceId = instances.get(0).getKmsInstanceId();
    String keyId = shared.createKey(new CreateKeyRequest().setDKMSInstanceId(instanceId)).getBody().getKeyMetadata().getKeyId();
    String secretName = unique("java-instance-openapi");
    String secretData = unique("Passw0rd#");
    shared.createSecret(new CreateSecretRequest().setSecretName(secretName).setSecretData(secretData).setVersionId("v1")
        .setEncryptionKeyId(keyId).setDKMSInstanceId(instanceId));
    String ca = shared.getKmsInstance(new GetKmsInstanceRequest().setKmsInstanceId(instanceId)).getBody().getKmsInstance()
        .getCaCertificateChainPem();
    if (ca == null || !ca.contains("BEGIN CERTIFICATE")) throw new Main.Failure("GetKmsInstance CaCertificateChainPem is " + ca);

    // The instance's host name, resolved to the gateway listener's address.
    String host = instanceId + ".cryptoservice.kms.aliyuncs.com";
    String address = GATEWAY_ADDRESS.substring(0, GATEWAY_ADDRESS.lastIndexOf(':'));
    Files.writeString(Path.of(HOSTS), address + " " + host + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    String endpoint = host + ":" + port;
    Client gateway = gateway(endpoint, ca, null);
    List<String> passed = new ArrayList<>();
    List<String> failures = new ArrayList<>();
    Map<String, Check> checks = new java.util.LinkedHashMap<>();
    checks.put("GetSecretValue", () -> {
      var got = gateway.getSecretValue(new GetSecretValueRequest().setSecretName(secretName)).getBody();
      Main.check(secretData.equals(got.getSecretData()) && "v1".equals(got.getVersionId()),
          "expected (" + secretData + ", v1), got (" + got.getSecretData() + ", " + got.getVersionId() + ")");
      return "getSecretValue";
    });
    checks.put("Encrypt/Decrypt", () -> {
      String context = "{\"app\":\"java-instance-openapi\"}";
      var sealed = gateway.encrypt(new EncryptRequest().setKeyId(keyId).setPlaintext("hello instance")
          .setEncryptionContext(Main.GSON.fromJson(context, Map.class))).getBody();
      Main.check(keyId.equals(sealed.getKeyId()), "Encrypt KeyId " + sealed.getKeyId());
      var opened = gateway.decrypt(new DecryptRequest().setCiphertextBlob(sealed.getCiphertextBlob())
          .setEncryptionContext(Main.GSON.fromJson(context, Map.class))).getBody();
      Main.check("hello instance".equals(opened.getPlaintext()) && keyId.equals(opened.getKeyId()),
          "Decrypt got (" + opened.getPlaintext() + ", " + opened.getKeyId() + ")");
      return "encrypt/decrypt";
    });
    checks.put("CreateKey", () -> "createKey " + refused(() -> gateway.createKey(new CreateKeyRequest().setDKMSInstanceId(instanceId))));
    checks.put("ListKeys", () -> "listKeys " + refused(() -> gateway.listKeys(new ListKeysRequest())));
    checks.put("GetSecretValue (signatureAlgorithm v2)", () -> {
      var got = gateway(endpoint, ca, "v2").getSecretValue(new GetSecretValueRequest().setSecretName(secretName)).getBody();
      Main.check(secretData.equals(got.getSecretData()), "got " + got.getSecretData());
      return "getSecretValue (v2 signature)";
    });
    checks.put("without config.ca", () -> {
      // Tea keeps one OkHttpClient per host:port for the JVM, built with the first client's TLS
      // settings, so ask through the other name the loopback certificate carries (localhost).
      String other = "localhost:" + port;
      try {
        gateway(other, null, null).getSecretValue(new GetSecretValueRequest().setSecretName(secretName));
      } catch (Exception e) {
        Throwable cause = e;
        while (cause != null && !(cause instanceof javax.net.ssl.SSLException)) cause = cause.getCause();
        Main.check(cause != null || String.valueOf(e.getMessage()).contains("PKIX"),
            "expected a certificate verification error, got " + describe(e));
        return "no CA: certificate refused";
      }
      throw new Main.Failure("the call succeeded: certificate verification is off");
    });
    for (var check : checks.entrySet()) {
      try {
        passed.add(check.getValue().run());
      } catch (Exception e) {
        failures.add(check.getKey() + ": " + describe(e));
      }
    }
    if (!failures.isEmpty()) throw new Main.Failure(String.join("; ", failures));
    return instanceId + " on https://" + endpoint + " with config.setCa(<PEM>): " + String.join(", ", passed);
  }

  interface Call {
    Object run() throws Exception;
  }

  static String refused(Call call) throws Exception {
    try {
      call.run();
    } catch (Exception e) {
      Main.check("UnsupportedOperation".equals(code(e)), "expected UnsupportedOperation, got " + describe(e));
      return "refused (UnsupportedOperation)";
    }
    throw new Main.Failure("expected UnsupportedOperation, the call succeeded");
  }
}
