package credslibs;

import com.aliyun.credentials.models.CredentialModel;
import com.aliyun.kms20160120.Client;
import com.aliyun.kms20160120.models.CreateKeyRequest;
import com.aliyun.kms20160120.models.EncryptRequest;
import com.aliyun.kms20160120.models.EncryptResponse;
import com.aliyun.tea.TeaException;
import com.aliyun.teaopenapi.models.Config;

/**
 * The Java credentials library (com.aliyun:credentials-java, pinned in pom.xml) against the emulator,
 * run by test/sdk/credentials-libs.sh, with the typed KMS client (com.aliyun:kms20160120) on top:
 *
 * <ul>
 *   <li>{@code ram_role_arn}: a credentials Config of type ram_role_arn (root pair, RoleArn,
 *       RoleSessionName, {@code setSTSEndpoint($KMS_HTTPS_ENDPOINT)}): AssumeRole over https (hard-coded
 *       by the library; the shell trusts the CA with a keytool trust store);
 *   <li>{@code uri}: {@code new com.aliyun.credentials.Client()}, the default chain, with
 *       ALIBABA_CLOUD_CREDENTIALS_URI in the environment.
 * </ul>
 *
 * Then Encrypt on $CREDS_KEY_ID (AliyunKMSCryptoUserAccess allows it) must succeed and CreateKey must
 * be refused with Forbidden.NoPermission. Prints one line per check; exits 1 when one fails.
 */
public final class Main {
  private Main() {}

  public static void main(String[] args) throws Exception {
    String mode = args.length == 1 ? args[0] : "";
    try {
      run(mode);
    } catch (Exception e) {
      System.err.println("FAIL " + mode + ": " + e);
      System.exit(1);
    }
  }

  private static void run(String mode) throws Exception {
    com.aliyun.credentials.Client credential;
    if (mode.equals("ram_role_arn")) {
      credential = new com.aliyun.credentials.Client(new com.aliyun.credentials.models.Config()
          .setType("ram_role_arn")
          .setAccessKeyId(System.getenv("ROOT_ACCESS_KEY_ID"))
          .setAccessKeySecret(System.getenv("ROOT_ACCESS_KEY_SECRET"))
          .setRoleArn(System.getenv("CREDS_ROLE_ARN"))
          .setRoleSessionName("java-ram-role-arn")
          .setSTSEndpoint(System.getenv("KMS_HTTPS_ENDPOINT")));
    } else if (mode.equals("uri")) {
      credential = new com.aliyun.credentials.Client();
    } else {
      System.err.println("usage: credslibs.Main ram_role_arn|uri");
      System.exit(2);
      return;
    }
    CredentialModel got = credential.getCredential();
    if (got.getAccessKeyId() == null || !got.getAccessKeyId().startsWith("STS.") || got.getSecurityToken() == null) {
      throw new IllegalStateException("not an STS session: " + got.getAccessKeyId());
    }
    System.out.println("ok    " + mode + ": " + got.getProviderName() + " gave " + got.getAccessKeyId());

    Client client = new Client(new Config()
        .setCredential(credential)
        .setEndpoint(System.getenv("KMS_ENDPOINT"))
        .setProtocol("http")
        .setRegionId("cn-hangzhou"));
    String keyId = System.getenv("CREDS_KEY_ID");
    EncryptResponse encrypted = client.encrypt(new EncryptRequest().setKeyId(keyId).setPlaintext("aGVsbG8="));
    if (!keyId.equals(encrypted.getBody().getKeyId()) || encrypted.getBody().getCiphertextBlob() == null) {
      throw new IllegalStateException("Encrypt answered " + encrypted.getBody().toMap());
    }
    System.out.println("ok    " + mode + ": Encrypt allowed (AliyunKMSCryptoUserAccess)");
    try {
      client.createKey(new CreateKeyRequest());
    } catch (TeaException e) {
      if (!"Forbidden.NoPermission".equals(e.getCode())) {
        throw new IllegalStateException("CreateKey refused with " + e.getCode() + ", not Forbidden.NoPermission", e);
      }
      System.out.println("ok    " + mode + ": CreateKey denied: " + e.getCode());
      return;
    }
    throw new IllegalStateException("CreateKey was allowed");
  }
}
