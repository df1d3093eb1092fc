package conformance;

import static conformance.Main.check;
import static conformance.Main.code;
import static conformance.Main.unique;

import com.aliyun.kms20160120.models.CreateKeyRequest;
import com.aliyun.kms20160120.models.EncryptRequest;
import com.aliyun.ram20150501.models.AttachPolicyToUserRequest;
import com.aliyun.ram20150501.models.CreateAccessKeyRequest;
import com.aliyun.ram20150501.models.CreatePolicyRequest;
import com.aliyun.ram20150501.models.CreateUserRequest;
import com.aliyun.tea.TeaException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The typed-denied row (issue #25 §6): a RAM user made through RAM's typed client
 * (com.aliyun:ram20150501 1.0.2, the newest on Maven Central, on the same Tea core as
 * kms20160120 1.2.3) is denied Encrypt by the typed KMS client: a TeaException whose getCode() is
 * Forbidden.NoPermission and whose getAccessDeniedDetail() (tea-openapi 0.3.5 copies the envelope's
 * AccessDeniedDetail onto it) names kms:Encrypt, ImplicitDeny, SubUser and the key's account; a
 * custom policy allowing kms:Encrypt on acs:kms:*:*:key/&lt;id&gt; lets the same call through; a second
 * policy with an explicit Deny refuses it again (ExplicitDeny).
 */
final class TypedDenied {
  static final String ROW = "typed-denied";
  static final String RAM_CLIENT = "com.aliyun:ram20150501 1.0.2";

  interface Call {
    Object call() throws Exception;
  }

  static List<Map<String, String>> run(Collection<String> otherClients) {
    List<Map<String, String>> results = new ArrayList<>();
    for (String other : otherClients) {
      if (other.equals(TypedRows.CLIENT)) continue;
      results.add(Map.of("client", other, "row", ROW, "status", "skipped", "detail", "not a typed client (CommonRequest, JSON maps)"));
    }
    results.add(Map.of("client", SecretsManagerRows.NAME, "row", ROW, "status", "skipped", "detail", "the client offers GetSecretValue only"));
    String status = "pass";
    String detail;
    try {
      detail = row();
    } catch (Exception e) {
      status = "fail";
      detail = (code(e).isEmpty() ? "" : code(e) + ": ") + String.valueOf(e.getMessage()).split("\n")[0];
    }
    System.out.printf("%-13s %s · %s %s%n", status, TypedRows.CLIENT, ROW, detail);
    results.add(Map.of("client", TypedRows.CLIENT, "row", ROW, "status", status, "detail", detail));
    return results;
  }

  static com.aliyun.ram20150501.Client ram() throws Exception {
    return new com.aliyun.ram20150501.Client(new com.aliyun.teaopenapi.models.Config()
        .setAccessKeyId(Main.AK).setAccessKeySecret(Main.SK).setEndpoint(Main.ENDPOINT).setProtocol("http").setRegionId("cn-hangzhou"));
  }

  static String policy(String effect, String keyId) {
    return "{\"Version\":\"1\",\"Statement\":[{\"Effect\":\"" + effect + "\",\"Action\":[\"kms:Encrypt\"],\"Resource\":[\"acs:kms:*:*:key/" + keyId + "\"]}]}";
  }

  static String row() throws Exception {
    var root = Main.tea(Main.AK, Main.SK);
    var ram = ram();
    var meta = root.createKey(new CreateKeyRequest().setDescription("typed-denied")).getBody().getKeyMetadata();
    String keyId = meta.getKeyId();
    String account = meta.getArn().split(":")[3];
    String userName = unique("java-denied");
    var user = ram.createUser(new CreateUserRequest().setUserName(userName)).getBody().getUser();
    check(userName.equals(user.getUserName()), "CreateUser: userName " + user.getUserName());
    var accessKey = ram.createAccessKey(new CreateAccessKeyRequest().setUserName(userName)).getBody().getAccessKey();
    check("Active".equals(accessKey.getStatus()) && accessKey.getAccessKeySecret() != null, "CreateAccessKey: status " + accessKey.getStatus());
    var asUser = Main.tea(accessKey.getAccessKeyId(), accessKey.getAccessKeySecret());
    Call encrypt = () -> asUser.encrypt(new EncryptRequest().setKeyId(keyId).setPlaintext("denied, then allowed")).getBody();

    String implicit = denied(encrypt, "ImplicitDeny", account, "Encrypt without a policy");
    attach(ram, "Allow", keyId, userName);
    var allowed = asUser.encrypt(new EncryptRequest().setKeyId(keyId).setPlaintext("denied, then allowed")).getBody();
    check(keyId.equals(allowed.getKeyId()) && allowed.getCiphertextBlob() != null && !allowed.getCiphertextBlob().isEmpty(),
        "Encrypt with the Allow policy: keyId " + allowed.getKeyId() + ", ciphertextBlob " + allowed.getCiphertextBlob());
    attach(ram, "Deny", keyId, userName);
    String explicit = denied(encrypt, "ExplicitDeny", account, "Encrypt with an explicit Deny");
    return "Forbidden.NoPermission with " + implicit + ", then allowed by a custom policy, then " + explicit
        + "; detail from TeaException.getAccessDeniedDetail(); RAM set-up through " + RAM_CLIENT;
  }

  static void attach(com.aliyun.ram20150501.Client ram, String effect, String keyId, String userName) throws Exception {
    String name = unique("java-" + effect.toLowerCase() + "-encrypt");
    ram.createPolicy(new CreatePolicyRequest().setPolicyName(name).setPolicyDocument(policy(effect, keyId)));
    ram.attachPolicyToUser(new AttachPolicyToUserRequest().setPolicyType("Custom").setPolicyName(name).setUserName(userName));
  }

  static String denied(Call call, String want, String account, String what) {
    try {
      call.call();
    } catch (TeaException e) {
      check("Forbidden.NoPermission".equals(e.getCode()), what + ": expected Forbidden.NoPermission, got " + e.getCode() + " (" + e.getMessage() + ")");
      check(Integer.valueOf(403).equals(e.getStatusCode()), what + ": expected HTTP 403 (Encrypt's spec names no other status for it), got " + e.getStatusCode());
      Map<String, Object> detail = e.getAccessDeniedDetail();
      check(detail != null, what + ": TeaException.getAccessDeniedDetail() is null (data: " + e.getData() + ")");
      Map<String, String> expected = new LinkedHashMap<>();
      expected.put("AuthAction", "kms:Encrypt");
      expected.put("NoPermissionType", want);
      expected.put("AuthPrincipalType", "SubUser");
      expected.put("AuthPrincipalOwnerId", account);
      List<String> wrong = new ArrayList<>();
      expected.forEach((k, v) -> {
        if (!v.equals(detail.get(k))) wrong.add(k + "=" + detail.get(k) + " (want " + v + ")");
      });
      check(wrong.isEmpty(), what + ": getAccessDeniedDetail() " + String.join(", ", wrong));
      for (String name : List.of("PolicyType", "AuthPrincipalDisplayName", "EncodedDiagnosticMessage")) {
        check(detail.get(name) instanceof String s && !s.isEmpty(), what + ": getAccessDeniedDetail()." + name + " is " + detail.get(name));
      }
      return "TeaException " + want + " (HTTP " + e.getStatusCode() + ")";
    } catch (Exception e) {
      throw new Main.Failure(what + ": expected a TeaException with Forbidden.NoPermission, got " + e);
    }
    throw new Main.Failure(what + ": expected Forbidden.NoPermission, the call succeeded");
  }
}
