package conformance;

import static conformance.Main.check;
import static conformance.Main.control;
import static conformance.Main.expectCode;
import static conformance.Main.m;
import static conformance.Main.path;
import static conformance.Main.run;

import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PSSParameterSpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.OAEPParameterSpec;
import javax.crypto.spec.PSource;
import javax.crypto.spec.SecretKeySpec;

/**
 * Rows asymmetric-sign, asymmetric-encrypt and mac for the Java clients. Java's own JCA is the second
 * implementation: it verifies the emulator's signatures with the key from GetPublicKey, encrypts what
 * the emulator must decrypt, and computes the HMAC of seeded material.
 */
final class AsymmetricRows {
  private AsymmetricRows() {}

  static final String HMAC_KEY_ID = "a1b2c3d4-0000-4000-8000-00000000ae01";
  static final byte[] HMAC_MATERIAL = "java conformance hmac material!!".getBytes(StandardCharsets.UTF_8);
  static final Base64.Encoder B64 = Base64.getEncoder();
  static final Base64.Decoder UNB64 = Base64.getDecoder();

  record Pair(String keyId, String version, PublicKey publicKey) {}

  static Pair pair(Main.Caller c, String spec, String usage, String jcaType) throws Exception {
    Map<String, Object> meta = run(c, "CreateKey", m("KeySpec", spec, "KeyUsage", usage));
    String keyId = (String) path(meta, "KeyMetadata", "KeyId");
    check(spec.equals(path(meta, "KeyMetadata", "KeySpec")), "CreateKey KeySpec");
    List<?> versions = (List<?>) path(run(c, "ListKeyVersions", m("KeyId", keyId)), "KeyVersions", "KeyVersion");
    @SuppressWarnings("unchecked")
    String version = (String) ((Map<String, Object>) versions.get(0)).get("KeyVersionId");
    String pem = (String) run(c, "GetPublicKey", m("KeyId", keyId, "KeyVersionId", version)).get("PublicKey");
    check(pem != null && pem.startsWith("-----BEGIN PUBLIC KEY-----"), "GetPublicKey is not a PEM public key");
    byte[] der = Base64.getMimeDecoder().decode(pem.replaceAll("-----[A-Z ]+-----", ""));
    return new Pair(keyId, version, KeyFactory.getInstance(jcaType).generatePublic(new X509EncodedKeySpec(der)));
  }

  static void register(Map<String, Main.Row> rows) {
    rows.put("asymmetric-sign", (name, f) -> {
      Main.Caller c = f.make(Main.AK, Main.SK);
      byte[] message = "java conformance: sign me".getBytes(StandardCharsets.UTF_8);
      String digest = B64.encodeToString(MessageDigest.getInstance("SHA-256").digest(message));
      String[][] cases = {
        {"EC_P256", "ECDSA_SHA_256", "EC", "SHA256withECDSA"},
        {"RSA_2048", "RSA_PKCS1_SHA_256", "RSA", "SHA256withRSA"},
        {"RSA_2048", "RSA_PSS_SHA_256", "RSA", "RSASSA-PSS"},
      };
      for (String[] k : cases) {
        Pair p = pair(c, k[0], "SIGN/VERIFY", k[2]);
        Map<String, String> base = m("KeyId", p.keyId(), "KeyVersionId", p.version(), "Algorithm", k[1], "Digest", digest);
        String value = (String) run(c, "AsymmetricSign", base).get("Value");
        Signature jca = Signature.getInstance(k[3]);
        if (k[3].equals("RSASSA-PSS")) {
          jca.setParameter(new PSSParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA256, 32, 1));
        }
        jca.initVerify(p.publicKey());
        jca.update(message);
        check(jca.verify(UNB64.decode(value)), "JCA " + k[3] + " rejects the emulator's " + k[1] + " signature");
        Map<String, String> verify = new java.util.HashMap<>(base);
        verify.put("Value", value);
        check(Boolean.TRUE.equals(run(c, "AsymmetricVerify", verify).get("Value")), "AsymmetricVerify of its own signature");
      }
      Pair ec = pair(c, "EC_P256", "SIGN/VERIFY", "EC");
      if (name.contains("V3")) {
        // The typed methods, whose responses are cast to the SDK's models.
        var tea = Main.tea(Main.AK, Main.SK);
        var pk = tea.getPublicKey(new com.aliyun.kms20160120.models.GetPublicKeyRequest()
            .setKeyId(ec.keyId()).setKeyVersionId(ec.version()));
        check(pk.getBody().getPublicKey().startsWith("-----BEGIN PUBLIC KEY-----"), "typed GetPublicKey");
        var signed = tea.asymmetricSign(new com.aliyun.kms20160120.models.AsymmetricSignRequest()
            .setKeyId(ec.keyId()).setKeyVersionId(ec.version()).setAlgorithm("ECDSA_SHA_256").setDigest(digest));
        Signature jca = Signature.getInstance("SHA256withECDSA");
        jca.initVerify(ec.publicKey());
        jca.update(message);
        check(jca.verify(UNB64.decode(signed.getBody().getValue())), "JCA rejects the typed AsymmetricSign signature");
        var verified = tea.asymmetricVerify(new com.aliyun.kms20160120.models.AsymmetricVerifyRequest()
            .setKeyId(ec.keyId()).setKeyVersionId(ec.version()).setAlgorithm("ECDSA_SHA_256").setDigest(digest)
            .setValue(signed.getBody().getValue()));
        check(Boolean.TRUE.equals(verified.getBody().getValue()), "typed AsymmetricVerify");
      }
      expectCode(c, "AsymmetricSign", m("KeyId", ec.keyId(), "KeyVersionId", ec.version(), "Algorithm", "ECDSA_SHA_256",
          "Digest", B64.encodeToString(new byte[20])), "InvalidParameter");
    });

    rows.put("asymmetric-encrypt", (name, f) -> {
      Main.Caller c = f.make(Main.AK, Main.SK);
      Pair p = pair(c, "RSA_2048", "ENCRYPT/DECRYPT", "RSA");
      byte[] secret = "java conformance data key 012345".getBytes(StandardCharsets.UTF_8);
      Cipher cipher = Cipher.getInstance("RSA/ECB/OAEPPadding");
      cipher.init(Cipher.ENCRYPT_MODE, p.publicKey(),
          new OAEPParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA256, PSource.PSpecified.DEFAULT));
      String foreign = B64.encodeToString(cipher.doFinal(secret));
      Map<String, String> base = m("KeyId", p.keyId(), "KeyVersionId", p.version(), "Algorithm", "RSAES_OAEP_SHA_256",
          "CiphertextBlob", foreign);
      String plaintext = (String) run(c, "AsymmetricDecrypt", base).get("Plaintext");
      check(Arrays.equals(secret, UNB64.decode(plaintext)), "AsymmetricDecrypt of a JCA OAEP ciphertext");
      expectCode(c, "AsymmetricDecrypt", m("KeyId", p.keyId(), "KeyVersionId", p.version(), "Algorithm", "SM2PKE",
          "CiphertextBlob", foreign), "InvalidParameter");
    });

    rows.put("mac", (name, f) -> {
      Main.Caller c = f.make(Main.AK, Main.SK);
      Map<String, Object> seeded = control("POST", "seed", Map.of("keys", List.of(Map.of(
          "keyId", HMAC_KEY_ID, "keySpec", "HMAC_SHA_256",
          "versions", List.of(Map.of("keyVersionId", "v1", "material", B64.encodeToString(HMAC_MATERIAL)))))));
      check(Double.valueOf(200).equals(Double.valueOf(String.valueOf(seeded.get("status")))), "seeding the HMAC key: " + seeded);
      byte[] message = "java conformance webhook body".getBytes(StandardCharsets.UTF_8);
      Mac jca = Mac.getInstance("HmacSHA256");
      jca.init(new SecretKeySpec(HMAC_MATERIAL, "HmacSHA256"));
      String expected = B64.encodeToString(jca.doFinal(message));
      Map<String, String> base = m("KeyId", HMAC_KEY_ID, "Algorithm", "HMAC_SHA_256", "Message", B64.encodeToString(message));
      String mac = (String) run(c, "GenerateMac", base).get("Mac");
      check(expected.equals(mac), "GenerateMac " + mac + ", JCA HmacSHA256 " + expected);
      Map<String, String> verify = new java.util.HashMap<>(base);
      verify.put("Mac", mac);
      check(Boolean.TRUE.equals(run(c, "VerifyMac", verify).get("Value")), "VerifyMac of its own MAC");
      verify.put("Message", B64.encodeToString("tampered".getBytes(StandardCharsets.UTF_8)));
      check(Boolean.FALSE.equals(run(c, "VerifyMac", verify).get("Value")), "VerifyMac accepted another message");
    });
  }
}
