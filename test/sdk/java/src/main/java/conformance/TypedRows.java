package conformance;

import static conformance.Main.check;
import static conformance.Main.code;
import static conformance.Main.unique;

import com.aliyun.kms20160120.Client;
import com.aliyun.kms20160120.models.*;
import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.X509EncodedKeySpec;
import javax.crypto.Cipher;
import javax.crypto.spec.OAEPParameterSpec;
import javax.crypto.spec.PSource;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Typed rows (issue #13): com.aliyun:kms20160120 1.2.3 (the newest on Maven Central) through its own
 * methods and model getters. The Tea core casts each body to the model, so a field of the wrong
 * type fails the call. 1.2.3 predates GetDefaultKmsInstance, GetKmsInstanceQuotaInfos,
 * BatchGetSecretValue and SetDeletionProtection's KeyId, and types GetKmsInstance ZoneIds/VswitchIds
 * as strings (the emulator answers Java and Go Tea clients so, see src/api/instances.ts).
 */
final class TypedRows {
  static final String CLIENT = "java kms20160120 (V3)";
  static final List<String> ROWS = List.of("typed-service", "typed-instances", "typed-keys", "typed-crypto", "typed-secrets");

  interface Row {
    void run(Client c) throws Exception;
  }

  static List<Map<String, String>> run(Collection<String> otherClients) throws Exception {
    List<Map<String, String>> results = new ArrayList<>();
    for (String other : otherClients) {
      if (other.equals(CLIENT)) continue;
      for (String row : ROWS) results.add(Map.of("client", other, "row", row, "status", "skipped", "detail", "not a typed client (CommonRequest, JSON maps)"));
    }
    for (String row : ROWS) results.add(Map.of("client", SecretsManagerRows.NAME, "row", row, "status", "skipped", "detail", "the client offers GetSecretValue only"));
    Map<String, Row> rows = new LinkedHashMap<>();
    rows.put("typed-service", TypedRows::service);
    rows.put("typed-instances", TypedRows::instances);
    rows.put("typed-keys", TypedRows::keys);
    rows.put("typed-crypto", TypedRows::crypto);
    rows.put("typed-secrets", TypedRows::secrets);
    for (var row : rows.entrySet()) {
      String status = "pass";
      String detail = "";
      try {
        row.getValue().run(Main.tea(Main.AK, Main.SK));
      } catch (Exception e) {
        status = "fail";
        detail = (code(e).isEmpty() ? "" : code(e) + ": ") + String.valueOf(e.getMessage()).split("\n")[0];
      }
      System.out.printf("%-13s %s · %s %s%n", status, CLIENT, row.getKey(), detail);
      results.add(Map.of("client", CLIENT, "row", row.getKey(), "status", status, "detail", detail));
    }
    return results;
  }

  static void expectCode(Main.Caller call, String expected, String what) {
    try {
      call.call(null, null);
    } catch (Exception e) {
      check(expected.equals(code(e)), what + ": expected " + expected + ", got " + code(e) + " (" + e.getMessage() + ")");
      return;
    }
    throw new Main.Failure(what + ": expected " + expected + ", the call succeeded");
  }

  static void service(Client c) throws Exception {
    var regions = c.describeRegions().getBody().getRegions().getRegion();
    check(regions.stream().anyMatch(r -> "cn-hangzhou".equals(r.getRegionId())), "describeRegions lacks cn-hangzhou");
    check("Enabled".equals(c.describeAccountKmsStatus().getBody().getAccountStatus()), "accountStatus");
    expectCode((a, p) -> {
      c.openKmsService();
      return null;
    }, "Forbidden.Opened", "openKmsService on an opened account");
  }

  static void instances(Client c) throws Exception {
    String id = unique("kst-javatyped");
    var created = Main.control("POST", "instances", Map.of("kmsInstanceId", id));
    check(((Number) created.get("status")).intValue() == 200, "control instances: " + created);
    c.connectKmsInstance(new ConnectKmsInstanceRequest().setKmsInstanceId(id).setVpcId("vpc-java")
        .setZoneIds("cn-hangzhou-k,cn-hangzhou-j").setVSwitchIds("vsw-java").setKMProvider("Aliyun"));
    var list = c.listKmsInstances(new ListKmsInstancesRequest().setPageSize(100)).getBody();
    check(list.getKmsInstances().getKmsInstance().stream().anyMatch(i -> id.equals(i.getKmsInstanceId())), "listKmsInstances misses " + id);
    var inst = c.getKmsInstance(new GetKmsInstanceRequest().setKmsInstanceId(id)).getBody().getKmsInstance();
    check(id.equals(inst.getInstanceId()), "instanceId " + inst.getInstanceId());
    check("cn-hangzhou-k,cn-hangzhou-j".equals(inst.getZoneIds()), "zoneIds " + inst.getZoneIds());
    check("vsw-java".equals(inst.getVswitchIds()), "vswitchIds " + inst.getVswitchIds());
    check(inst.getKeyNum() != null && inst.getKeyNum() > 0, "keyNum " + inst.getKeyNum());
    c.updateKmsInstanceBindVpc(new UpdateKmsInstanceBindVpcRequest().setKmsInstanceId(id)
        .setBindVpcs("[{\"VpcId\":\"vpc-2\",\"RegionId\":\"cn-hangzhou\",\"VSwitchId\":\"vsw-2\",\"VpcOwnerId\":\"1\"}]"));
    var bound = c.getKmsInstance(new GetKmsInstanceRequest().setKmsInstanceId(id)).getBody().getKmsInstance().getBindVpcs().getBindVpc();
    check(bound.size() == 1 && "vpc-2".equals(bound.get(0).getVpcId()), "bindVpcs after updateKmsInstanceBindVpc");
  }

  static void keys(Client c) throws Exception {
    String description = unique("java typed key");
    var meta = c.createKey(new CreateKeyRequest().setDescription(description)).getBody().getKeyMetadata();
    String keyId = meta.getKeyId();
    check("Enabled".equals(meta.getKeyState()), "keyState " + meta.getKeyState());
    var described = c.describeKey(new DescribeKeyRequest().setKeyId(keyId)).getBody().getKeyMetadata();
    check(description.equals(described.getDescription()), "describeKey description");
    String alias = "alias/" + unique("javatyped");
    c.createAlias(new CreateAliasRequest().setAliasName(alias).setKeyId(keyId));
    var aliases = c.listAliasesByKeyId(new ListAliasesByKeyIdRequest().setKeyId(keyId)).getBody().getAliases().getAlias();
    check(aliases.size() == 1 && alias.equals(aliases.get(0).getAliasName()), "listAliasesByKeyId");
    var version = c.createKeyVersion(new CreateKeyVersionRequest().setKeyId(keyId)).getBody().getKeyVersion();
    var versions = c.listKeyVersions(new ListKeyVersionsRequest().setKeyId(keyId)).getBody();
    check(versions.getTotalCount() == 2, "totalCount " + versions.getTotalCount());
    check(versions.getKeyVersions().getKeyVersion().stream().anyMatch(v -> v.getKeyVersionId().equals(version.getKeyVersionId())), "new version listed");
    c.setDeletionProtection(new SetDeletionProtectionRequest().setProtectedResourceArn(described.getArn())
        .setEnableDeletionProtection(true).setDeletionProtectionDescription("java"));
    var protectedKey = c.describeKey(new DescribeKeyRequest().setKeyId(keyId)).getBody().getKeyMetadata();
    check("Enabled".equals(protectedKey.getDeletionProtection()), "deletionProtection " + protectedKey.getDeletionProtection());
    c.tagResource(new TagResourceRequest().setKeyId(keyId).setTags("[{\"TagKey\":\"team\",\"TagValue\":\"java\"}]"));
    var tags = c.listResourceTags(new ListResourceTagsRequest().setKeyId(keyId)).getBody().getTags().getTag();
    check(tags.size() == 1 && "java".equals(tags.get(0).getTagValue()), "listResourceTags");
    var keys = c.listKeys(new ListKeysRequest().setPageSize(100)).getBody().getKeys().getKey();
    check(keys.stream().anyMatch(k -> keyId.equals(k.getKeyId())), "listKeys misses the key");
    moreKeys(c);
  }

  static DescribeKeyResponseBody.DescribeKeyResponseBodyKeyMetadata describe(Client c, String keyId) throws Exception {
    return c.describeKey(new DescribeKeyRequest().setKeyId(keyId)).getBody().getKeyMetadata();
  }

  /** The rest of the key operations 1.2.3 has. */
  static void moreKeys(Client c) throws Exception {
    String keyId = c.createKey(new CreateKeyRequest()).getBody().getKeyMetadata().getKeyId();
    c.updateKeyDescription(new UpdateKeyDescriptionRequest().setKeyId(keyId).setDescription("renamed"));
    check("renamed".equals(describe(c, keyId).getDescription()), "updateKeyDescription");
    c.disableKey(new DisableKeyRequest().setKeyId(keyId));
    check("Disabled".equals(describe(c, keyId).getKeyState()), "disableKey");
    c.enableKey(new EnableKeyRequest().setKeyId(keyId));
    String other = c.createKey(new CreateKeyRequest()).getBody().getKeyMetadata().getKeyId();
    String alias = "alias/" + unique("javamore");
    c.createAlias(new CreateAliasRequest().setAliasName(alias).setKeyId(keyId));
    c.updateAlias(new UpdateAliasRequest().setAliasName(alias).setKeyId(other));
    var aliases = c.listAliases(new ListAliasesRequest().setPageSize(100)).getBody().getAliases().getAlias();
    check(aliases.stream().anyMatch(a -> alias.equals(a.getAliasName()) && other.equals(a.getKeyId())), "updateAlias not listed");
    c.deleteAlias(new DeleteAliasRequest().setAliasName(alias));
    String primary = describe(c, keyId).getPrimaryKeyVersion();
    var v = c.describeKeyVersion(new DescribeKeyVersionRequest().setKeyId(keyId).setKeyVersionId(primary)).getBody().getKeyVersion();
    check(primary.equals(v.getKeyVersionId()), "describeKeyVersion");
    c.updateRotationPolicy(new UpdateRotationPolicyRequest().setKeyId(keyId).setEnableAutomaticRotation(true).setRotationInterval("604800s"));
    check("604800s".equals(describe(c, keyId).getRotationInterval()), "updateRotationPolicy");
    String policy = "{\"Version\":\"1\",\"Statement\":[{\"Sid\":\"kms default key policy\",\"Effect\":\"Allow\",\"Principal\":{\"RAM\":[\"acs:ram::1234567890123456:*\"]},\"Action\":[\"kms:*\"],\"Resource\":[\"*\"]}]}";
    c.setKeyPolicy(new SetKeyPolicyRequest().setKeyId(keyId).setPolicy(policy));
    check(policy.equals(c.getKeyPolicy(new GetKeyPolicyRequest().setKeyId(keyId)).getBody().getPolicy()), "getKeyPolicy");
    c.scheduleKeyDeletion(new ScheduleKeyDeletionRequest().setKeyId(other).setPendingWindowInDays(7));
    check("PendingDeletion".equals(describe(c, other).getKeyState()), "scheduleKeyDeletion");
    c.cancelKeyDeletion(new CancelKeyDeletionRequest().setKeyId(other));
    c.tagResource(new TagResourceRequest().setKeyId(keyId).setTags("[{\"TagKey\":\"a\",\"TagValue\":\"1\"},{\"TagKey\":\"b\",\"TagValue\":\"2\"}]"));
    c.untagResource(new UntagResourceRequest().setKeyId(keyId).setTagKeys("[\"a\"]"));
    var tags = c.listResourceTags(new ListResourceTagsRequest().setKeyId(keyId)).getBody().getTags().getTag();
    check(tags.size() == 1 && "b".equals(tags.get(0).getTagKey()), "untagResource");
    c.tagResources(new TagResourcesRequest().setRegionId("cn-hangzhou").setResourceType("key").setResourceId(List.of(other))
        .setTag(List.of(new TagResourcesRequest.TagResourcesRequestTag().setKey("c").setValue("3"))));
    var rows = c.listTagResources(new ListTagResourcesRequest().setRegionId("cn-hangzhou").setResourceType("key")
        .setResourceId(List.of(other))).getBody().getTagResources().getTagResource();
    check(rows.size() == 1 && "3".equals(rows.get(0).getTagValue()), "listTagResources");
    c.untagResources(new UntagResourcesRequest().setRegionId("cn-hangzhou").setResourceType("key").setResourceId(List.of(other)).setTagKey(List.of("c")));
    String external = c.createKey(new CreateKeyRequest().setOrigin("EXTERNAL")).getBody().getKeyMetadata().getKeyId();
    var params = c.getParametersForImport(new GetParametersForImportRequest().setKeyId(external)
        .setWrappingAlgorithm("RSAES_OAEP_SHA_256").setWrappingKeySpec("RSA_2048")).getBody();
    PublicKey wrapping = KeyFactory.getInstance("RSA").generatePublic(new X509EncodedKeySpec(Base64.getDecoder().decode(params.getPublicKey())));
    c.importKeyMaterial(new ImportKeyMaterialRequest().setKeyId(external).setImportToken(params.getImportToken())
        .setEncryptedKeyMaterial(Base64.getEncoder().encodeToString(oaep(Cipher.ENCRYPT_MODE, wrapping, new byte[32])))
        .setKeyMaterialExpireUnix(0L));
    check("Enabled".equals(describe(c, external).getKeyState()), "importKeyMaterial");
    c.deleteKeyMaterial(new DeleteKeyMaterialRequest().setKeyId(external));
    check("PendingImport".equals(describe(c, external).getKeyState()), "deleteKeyMaterial");
  }

  static byte[] oaep(int mode, java.security.Key key, byte[] data) throws Exception {
    Cipher cipher = Cipher.getInstance("RSA/ECB/OAEPPadding");
    cipher.init(mode, key, new OAEPParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA256, PSource.PSpecified.DEFAULT));
    return cipher.doFinal(data);
  }

  static void crypto(Client c) throws Exception {
    String keyId = c.createKey(new CreateKeyRequest()).getBody().getKeyMetadata().getKeyId();
    Map<String, Object> context = Map.of("purpose", "java-typed");
    String text = Base64.getEncoder().encodeToString("typed plaintext ü".getBytes(StandardCharsets.UTF_8));
    var enc = c.encrypt(new EncryptRequest().setKeyId(keyId).setPlaintext(text).setEncryptionContext(context)).getBody();
    check(keyId.equals(enc.getKeyId()), "encrypt keyId");
    var dec = c.decrypt(new DecryptRequest().setCiphertextBlob(enc.getCiphertextBlob()).setEncryptionContext(context)).getBody();
    check(text.equals(dec.getPlaintext()), "decrypt plaintext");
    check(enc.getKeyVersionId().equals(dec.getKeyVersionId()), "decrypt keyVersionId");
    var dk = c.generateDataKey(new GenerateDataKeyRequest().setKeyId(keyId)).getBody();
    check(Base64.getDecoder().decode(dk.getPlaintext()).length == 32, "data key bytes");
    var re = c.reEncrypt(new ReEncryptRequest().setCiphertextBlob(dk.getCiphertextBlob()).setDestinationKeyId(keyId)).getBody();
    check(keyId.equals(re.getKeyId()), "reEncrypt keyId");
    var blob = c.generateDataKeyWithoutPlaintext(new GenerateDataKeyWithoutPlaintextRequest().setKeyId(keyId)).getBody();
    check(blob.getCiphertextBlob() != null && !blob.getCiphertextBlob().isEmpty(), "ciphertextBlob");
    expectCode((a, p) -> {
      c.encrypt(new EncryptRequest().setKeyId(keyId).setPlaintext(text).setDryRun("true"));
      return null;
    }, "DryRunOperationError", "encrypt(dryRun)");
    var pw = c.getRandomPassword(new GetRandomPasswordRequest().setPasswordLength("24")).getBody();
    check(pw.getRandomPassword().length() == 24, "randomPassword length");
    KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
    generator.initialize(2048);
    KeyPair pair = generator.generateKeyPair();
    String spki = Base64.getEncoder().encodeToString(pair.getPublic().getEncoded());
    var exported = c.exportDataKey(new ExportDataKeyRequest().setCiphertextBlob(dk.getCiphertextBlob()).setPublicKeyBlob(spki)
        .setWrappingAlgorithm("RSAES_OAEP_SHA_256").setWrappingKeySpec("RSA_2048")).getBody();
    check(java.util.Arrays.equals(oaep(Cipher.DECRYPT_MODE, pair.getPrivate(), Base64.getDecoder().decode(exported.getExportedDataKey())),
        Base64.getDecoder().decode(dk.getPlaintext())), "exportDataKey unwraps to the data key");
    var both = c.generateAndExportDataKey(new GenerateAndExportDataKeyRequest().setKeyId(keyId).setPublicKeyBlob(spki)
        .setWrappingAlgorithm("RSAES_OAEP_SHA_256").setWrappingKeySpec("RSA_2048")).getBody();
    String inner = c.decrypt(new DecryptRequest().setCiphertextBlob(both.getCiphertextBlob())).getBody().getPlaintext();
    check(java.util.Arrays.equals(oaep(Cipher.DECRYPT_MODE, pair.getPrivate(), Base64.getDecoder().decode(both.getExportedDataKey())),
        Base64.getDecoder().decode(inner)), "generateAndExportDataKey");
  }

  static void secrets(Client c) throws Exception {
    String name = unique("java-typed-secret");
    var created = c.createSecret(new CreateSecretRequest().setSecretName(name).setSecretData("v1-data").setVersionId("v1")).getBody();
    check(name.equals(created.getSecretName()), "createSecret secretName");
    var value = c.getSecretValue(new GetSecretValueRequest().setSecretName(name)).getBody();
    check("v1-data".equals(value.getSecretData()), "secretData");
    check(List.of("ACSCurrent").equals(value.getVersionStages().getVersionStage()), "versionStages " + value.getVersionStages().getVersionStage());
    c.putSecretValue(new PutSecretValueRequest().setSecretName(name).setSecretData("v2-data").setVersionId("v2"));
    var ids = c.listSecretVersionIds(new ListSecretVersionIdsRequest().setSecretName(name)).getBody().getVersionIds().getVersionId();
    check(ids.size() == 2, "listSecretVersionIds " + ids.size());
    var described = c.describeSecret(new DescribeSecretRequest().setSecretName(name)).getBody();
    check(name.equals(described.getSecretName()), "describeSecret secretName");
    String filters = "[{\"Key\":\"SecretName\",\"Values\":[\"" + name + "\"]}]";
    var listed = c.listSecrets(new ListSecretsRequest().setFilters(filters)).getBody().getSecretList().getSecret();
    check(listed.size() == 1 && name.equals(listed.get(0).getSecretName()), "listSecrets filtered " + listed.size());
    expectCode((a, p) -> {
      c.getSecretValue(new GetSecretValueRequest().setSecretName(name).setDryRun("true"));
      return null;
    }, "DryRunOperationError", "getSecretValue(dryRun)");
    var deleted = c.deleteSecret(new DeleteSecretRequest().setSecretName(name).setRecoveryWindowInDays("7")).getBody();
    check(deleted.getPlannedDeleteTime() != null && !deleted.getPlannedDeleteTime().isEmpty(), "plannedDeleteTime");
    c.restoreSecret(new RestoreSecretRequest().setSecretName(name));
    c.updateSecret(new UpdateSecretRequest().setSecretName(name).setDescription("typed"));
    check("typed".equals(c.describeSecret(new DescribeSecretRequest().setSecretName(name)).getBody().getDescription()), "updateSecret");
    c.putSecretValue(new PutSecretValueRequest().setSecretName(name).setSecretData("v3").setVersionId("v3").setVersionStages("[\"custom\"]"));
    c.updateSecretVersionStage(new UpdateSecretVersionStageRequest().setSecretName(name).setVersionStage("custom")
        .setRemoveFromVersion("v3").setMoveToVersion("v2"));
    var staged = c.getSecretValue(new GetSecretValueRequest().setSecretName(name).setVersionStage("custom")).getBody();
    check("v2".equals(staged.getVersionId()), "updateSecretVersionStage");
    String policy = "{\"Version\":\"1\",\"Statement\":[{\"Sid\":\"kms default key policy\",\"Effect\":\"Allow\",\"Principal\":{\"RAM\":[\"acs:ram::1234567890123456:*\"]},\"Action\":[\"kms:*\"],\"Resource\":[\"*\"]}]}";
    c.setSecretPolicy(new SetSecretPolicyRequest().setSecretName(name).setPolicy(policy));
    check(policy.equals(c.getSecretPolicy(new GetSecretPolicyRequest().setSecretName(name)).getBody().getPolicy()), "getSecretPolicy");
    String db = unique("rm-javatyped");
    var resource = Main.control("POST", "rds-instances", Map.of("DBInstanceId", db, "Accounts", List.of(Map.of("AccountName", "app", "AccountPassword", "Init#1"))));
    check(((Number) resource.get("status")).intValue() == 200, "rds-instances: " + resource);
    String rds = unique("java-typed-rds");
    c.createSecret(new CreateSecretRequest().setSecretName(rds).setSecretType("Rds").setVersionId("v1")
        .setSecretData("{\"Accounts\":[{\"AccountName\":\"app\",\"AccountPassword\":\"Init#1\"}]}")
        .setExtendedConfig(Map.of("SecretSubType", "SingleUser", "DBInstanceId", db)));
    c.updateSecretRotationPolicy(new UpdateSecretRotationPolicyRequest().setSecretName(rds).setEnableAutomaticRotation(true).setRotationInterval("7d"));
    var rotated = c.rotateSecret(new RotateSecretRequest().setSecretName(rds).setVersionId("r1")).getBody();
    check("r1".equals(rotated.getVersionId()), "rotateSecret versionId");
    Main.control("POST", "clock", Map.of("advance", "1m"));
    var after = c.getSecretValue(new GetSecretValueRequest().setSecretName(rds).setFetchExtendedConfig(true)).getBody();
    check("r1".equals(after.getVersionId()) && "Enabled".equals(after.getAutomaticRotation()), "after rotation");
  }
}
