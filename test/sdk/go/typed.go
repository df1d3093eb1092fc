// Typed rows (issue #13): the Tea client's own methods (client.CreateKey(&kms.CreateKeyRequest{…}))
// and the fields of the structs it decodes into — Go's decoder is strict, so a field of the wrong
// JSON type fails the call. github.com/alibabacloud-go/kms-20160120/v3 v3.2.3 is the newest release
// the module proxy serves; it predates GetDefaultKmsInstance, GetKmsInstanceQuotaInfos,
// BatchGetSecretValue and SetDeletionProtection's KeyId, and types GetKmsInstance ZoneIds/VswitchIds
// as strings (the emulator answers Go Tea clients so, see src/api/instances.ts).
package main

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"

	kms "github.com/alibabacloud-go/kms-20160120/v3/client"
	"github.com/alibabacloud-go/tea/dara"
)

var typedRowNames = []string{"typed-service", "typed-instances", "typed-keys", "typed-crypto", "typed-secrets"}

func init() {
	fns := map[string]func(tc *kms.Client){
		"typed-service":   typedService,
		"typed-instances": typedInstances,
		"typed-keys":      typedKeys,
		"typed-crypto":    typedCrypto,
		"typed-secrets":   typedSecrets,
	}
	for _, name := range typedRowNames {
		fn := fns[name]
		rows = append(rows, struct {
			name string
			fn   func(c client)
		}{name, func(c client) {
			if !c.typed {
				panic(skipped{"not a typed client (CommonRequest, JSON maps)"})
			}
			fn(teaClient(accessKey, secretKey))
		}})
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func expectTypedCode(err error, code, what string) {
	check(err != nil, "%s: expected %s, the call succeeded", what, code)
	check(errorCode(err) == code, "%s: expected %s, got %v", what, code, err)
}

func typedService(tc *kms.Client) {
	regions := must(tc.DescribeRegions()).Body.Regions.Region
	found := false
	for _, r := range regions {
		found = found || dara.StringValue(r.RegionId) == "cn-hangzhou"
	}
	check(found, "DescribeRegions lacks cn-hangzhou")
	status := must(tc.DescribeAccountKmsStatus()).Body.AccountStatus
	check(dara.StringValue(status) == "Enabled", "AccountStatus %v", dara.StringValue(status))
	_, err := tc.OpenKmsService()
	expectTypedCode(err, "Forbidden.Opened", "OpenKmsService on an opened account")
}

func typedInstances(tc *kms.Client) {
	id := unique("kst-gotyped")
	status, body := control("POST", "instances", map[string]any{"kmsInstanceId": id})
	check(status == 200, "control instances: %d %v", status, body)
	must(tc.ConnectKmsInstance(&kms.ConnectKmsInstanceRequest{
		KmsInstanceId: &id, VpcId: dara.String("vpc-go"), ZoneIds: dara.String("cn-hangzhou-k,cn-hangzhou-j"),
		VSwitchIds: dara.String("vsw-go"), KMProvider: dara.String("Aliyun"),
	}))
	list := must(tc.ListKmsInstances(&kms.ListKmsInstancesRequest{PageSize: dara.Int32(100)})).Body
	listed := false
	for _, i := range list.KmsInstances.KmsInstance {
		listed = listed || dara.StringValue(i.KmsInstanceId) == id
	}
	check(listed && dara.Int64Value(list.TotalCount) >= 2, "ListKmsInstances: %v", list)
	inst := must(tc.GetKmsInstance(&kms.GetKmsInstanceRequest{KmsInstanceId: &id})).Body.KmsInstance
	check(dara.StringValue(inst.InstanceId) == id, "InstanceId %v", dara.StringValue(inst.InstanceId))
	check(dara.StringValue(inst.ZoneIds) == "cn-hangzhou-k,cn-hangzhou-j", "ZoneIds %q", dara.StringValue(inst.ZoneIds))
	check(dara.StringValue(inst.VswitchIds) == "vsw-go", "VswitchIds %q", dara.StringValue(inst.VswitchIds))
	check(dara.Int64Value(inst.KeyNum) > 0, "KeyNum %v", dara.Int64Value(inst.KeyNum))
	must(tc.UpdateKmsInstanceBindVpc(&kms.UpdateKmsInstanceBindVpcRequest{KmsInstanceId: &id,
		BindVpcs: dara.String(`[{"VpcId":"vpc-2","RegionId":"cn-hangzhou","VSwitchId":"vsw-2","VpcOwnerId":"1"}]`)}))
	bound := must(tc.GetKmsInstance(&kms.GetKmsInstanceRequest{KmsInstanceId: &id})).Body.KmsInstance.BindVpcs.BindVpc
	check(len(bound) == 1 && dara.StringValue(bound[0].VpcId) == "vpc-2", "BindVpcs after UpdateKmsInstanceBindVpc")
}

func typedKeys(tc *kms.Client) {
	description := unique("go typed key")
	meta := must(tc.CreateKey(&kms.CreateKeyRequest{Description: &description})).Body.KeyMetadata
	keyID := dara.StringValue(meta.KeyId)
	check(dara.StringValue(meta.KeyState) == "Enabled", "KeyState %v", dara.StringValue(meta.KeyState))
	described := must(tc.DescribeKey(&kms.DescribeKeyRequest{KeyId: &keyID})).Body.KeyMetadata
	check(dara.StringValue(described.Description) == description, "Description")
	alias := "alias/" + unique("gotyped")
	must(tc.CreateAlias(&kms.CreateAliasRequest{AliasName: &alias, KeyId: &keyID}))
	aliases := must(tc.ListAliasesByKeyId(&kms.ListAliasesByKeyIdRequest{KeyId: &keyID})).Body.Aliases.Alias
	check(len(aliases) == 1 && dara.StringValue(aliases[0].AliasName) == alias, "ListAliasesByKeyId")
	version := must(tc.CreateKeyVersion(&kms.CreateKeyVersionRequest{KeyId: &keyID})).Body.KeyVersion
	versions := must(tc.ListKeyVersions(&kms.ListKeyVersionsRequest{KeyId: &keyID})).Body
	check(dara.Int32Value(versions.TotalCount) == 2, "TotalCount %v", dara.Int32Value(versions.TotalCount))
	seen := false
	for _, v := range versions.KeyVersions.KeyVersion {
		seen = seen || dara.StringValue(v.KeyVersionId) == dara.StringValue(version.KeyVersionId)
	}
	check(seen, "the new key version is not listed")
	must(tc.SetDeletionProtection(&kms.SetDeletionProtectionRequest{
		ProtectedResourceArn: described.Arn, EnableDeletionProtection: dara.Bool(true),
		DeletionProtectionDescription: dara.String("go"),
	}))
	protected := must(tc.DescribeKey(&kms.DescribeKeyRequest{KeyId: &keyID})).Body.KeyMetadata
	check(dara.StringValue(protected.DeletionProtection) == "Enabled", "DeletionProtection %v", dara.StringValue(protected.DeletionProtection))
	must(tc.TagResource(&kms.TagResourceRequest{KeyId: &keyID, Tags: dara.String(`[{"TagKey":"team","TagValue":"go"}]`)}))
	tags := must(tc.ListResourceTags(&kms.ListResourceTagsRequest{KeyId: &keyID})).Body.Tags.Tag
	check(len(tags) == 1 && dara.StringValue(tags[0].TagValue) == "go", "ListResourceTags")
	keys := must(tc.ListKeys(&kms.ListKeysRequest{PageSize: dara.Int32(100)})).Body.Keys.Key
	listed := false
	for _, k := range keys {
		listed = listed || dara.StringValue(k.KeyId) == keyID
	}
	check(listed, "ListKeys misses the key")
	moreKeys(tc)
}

// moreKeys: the rest of the key operations v3.2.3 has.
func moreKeys(tc *kms.Client) {
	keyID := dara.StringValue(must(tc.CreateKey(&kms.CreateKeyRequest{})).Body.KeyMetadata.KeyId)
	describe := func(id string) *kms.DescribeKeyResponseBodyKeyMetadata {
		return must(tc.DescribeKey(&kms.DescribeKeyRequest{KeyId: &id})).Body.KeyMetadata
	}
	must(tc.UpdateKeyDescription(&kms.UpdateKeyDescriptionRequest{KeyId: &keyID, Description: dara.String("renamed")}))
	check(dara.StringValue(describe(keyID).Description) == "renamed", "UpdateKeyDescription")
	must(tc.DisableKey(&kms.DisableKeyRequest{KeyId: &keyID}))
	check(dara.StringValue(describe(keyID).KeyState) == "Disabled", "DisableKey")
	must(tc.EnableKey(&kms.EnableKeyRequest{KeyId: &keyID}))
	other := dara.StringValue(must(tc.CreateKey(&kms.CreateKeyRequest{})).Body.KeyMetadata.KeyId)
	alias := "alias/" + unique("gomore")
	must(tc.CreateAlias(&kms.CreateAliasRequest{AliasName: &alias, KeyId: &keyID}))
	must(tc.UpdateAlias(&kms.UpdateAliasRequest{AliasName: &alias, KeyId: &other}))
	found := false
	for _, a := range must(tc.ListAliases(&kms.ListAliasesRequest{PageSize: dara.Int32(100)})).Body.Aliases.Alias {
		found = found || (dara.StringValue(a.AliasName) == alias && dara.StringValue(a.KeyId) == other)
	}
	check(found, "UpdateAlias not seen by ListAliases")
	must(tc.DeleteAlias(&kms.DeleteAliasRequest{AliasName: &alias}))
	primary := describe(keyID).PrimaryKeyVersion
	v := must(tc.DescribeKeyVersion(&kms.DescribeKeyVersionRequest{KeyId: &keyID, KeyVersionId: primary})).Body.KeyVersion
	check(dara.StringValue(v.KeyVersionId) == dara.StringValue(primary), "DescribeKeyVersion")
	must(tc.UpdateRotationPolicy(&kms.UpdateRotationPolicyRequest{KeyId: &keyID, EnableAutomaticRotation: dara.Bool(true), RotationInterval: dara.String("604800s")}))
	check(dara.StringValue(describe(keyID).RotationInterval) == "604800s", "UpdateRotationPolicy")
	policy := `{"Version":"1","Statement":[{"Sid":"kms default key policy","Effect":"Allow","Principal":{"RAM":["acs:ram::1234567890123456:*"]},"Action":["kms:*"],"Resource":["*"]}]}`
	must(tc.SetKeyPolicy(&kms.SetKeyPolicyRequest{KeyId: &keyID, Policy: &policy}))
	check(dara.StringValue(must(tc.GetKeyPolicy(&kms.GetKeyPolicyRequest{KeyId: &keyID})).Body.Policy) == policy, "GetKeyPolicy")
	must(tc.ScheduleKeyDeletion(&kms.ScheduleKeyDeletionRequest{KeyId: &other, PendingWindowInDays: dara.Int32(7)}))
	check(dara.StringValue(describe(other).KeyState) == "PendingDeletion", "ScheduleKeyDeletion")
	must(tc.CancelKeyDeletion(&kms.CancelKeyDeletionRequest{KeyId: &other}))
	must(tc.TagResource(&kms.TagResourceRequest{KeyId: &keyID, Tags: dara.String(`[{"TagKey":"a","TagValue":"1"},{"TagKey":"b","TagValue":"2"}]`)}))
	must(tc.UntagResource(&kms.UntagResourceRequest{KeyId: &keyID, TagKeys: dara.String(`["a"]`)}))
	tags := must(tc.ListResourceTags(&kms.ListResourceTagsRequest{KeyId: &keyID})).Body.Tags.Tag
	check(len(tags) == 1 && dara.StringValue(tags[0].TagKey) == "b", "UntagResource")
	must(tc.TagResources(&kms.TagResourcesRequest{RegionId: dara.String("cn-hangzhou"), ResourceType: dara.String("key"),
		ResourceId: []*string{&other}, Tag: []*kms.TagResourcesRequestTag{{Key: dara.String("c"), Value: dara.String("3")}}}))
	rows := must(tc.ListTagResources(&kms.ListTagResourcesRequest{RegionId: dara.String("cn-hangzhou"), ResourceType: dara.String("key"),
		ResourceId: []*string{&other}})).Body.TagResources.TagResource
	check(len(rows) == 1 && dara.StringValue(rows[0].TagValue) == "3", "ListTagResources")
	must(tc.UntagResources(&kms.UntagResourcesRequest{RegionId: dara.String("cn-hangzhou"), ResourceType: dara.String("key"),
		ResourceId: []*string{&other}, TagKey: []*string{dara.String("c")}}))
	external := dara.StringValue(must(tc.CreateKey(&kms.CreateKeyRequest{Origin: dara.String("EXTERNAL")})).Body.KeyMetadata.KeyId)
	params := must(tc.GetParametersForImport(&kms.GetParametersForImportRequest{KeyId: &external,
		WrappingAlgorithm: dara.String("RSAES_OAEP_SHA_256"), WrappingKeySpec: dara.String("RSA_2048")})).Body
	der, _ := base64.StdEncoding.DecodeString(dara.StringValue(params.PublicKey))
	pub := must(x509.ParsePKIXPublicKey(der)).(*rsa.PublicKey)
	wrapped := must(rsa.EncryptOAEP(sha256.New(), rand.Reader, pub, make([]byte, 32), nil))
	must(tc.ImportKeyMaterial(&kms.ImportKeyMaterialRequest{KeyId: &external, ImportToken: params.ImportToken,
		EncryptedKeyMaterial: dara.String(base64.StdEncoding.EncodeToString(wrapped)), KeyMaterialExpireUnix: dara.Int64(0)}))
	check(dara.StringValue(describe(external).KeyState) == "Enabled", "ImportKeyMaterial")
	must(tc.DeleteKeyMaterial(&kms.DeleteKeyMaterialRequest{KeyId: &external}))
	check(dara.StringValue(describe(external).KeyState) == "PendingImport", "DeleteKeyMaterial")
}

func typedCrypto(tc *kms.Client) {
	keyID := dara.StringValue(must(tc.CreateKey(&kms.CreateKeyRequest{})).Body.KeyMetadata.KeyId)
	ctx := map[string]any{"purpose": "go-typed"}
	text := base64.StdEncoding.EncodeToString([]byte("typed plaintext ü"))
	enc := must(tc.Encrypt(&kms.EncryptRequest{KeyId: &keyID, Plaintext: &text, EncryptionContext: ctx})).Body
	check(dara.StringValue(enc.KeyId) == keyID, "Encrypt KeyId")
	dec := must(tc.Decrypt(&kms.DecryptRequest{CiphertextBlob: enc.CiphertextBlob, EncryptionContext: ctx})).Body
	check(dara.StringValue(dec.Plaintext) == text, "Decrypt Plaintext")
	check(dara.StringValue(dec.KeyVersionId) == dara.StringValue(enc.KeyVersionId), "Decrypt KeyVersionId")
	dk := must(tc.GenerateDataKey(&kms.GenerateDataKeyRequest{KeyId: &keyID})).Body
	raw, err := base64.StdEncoding.DecodeString(dara.StringValue(dk.Plaintext))
	check(err == nil && len(raw) == 32, "GenerateDataKey Plaintext is not 32 bytes")
	re := must(tc.ReEncrypt(&kms.ReEncryptRequest{CiphertextBlob: dk.CiphertextBlob, DestinationKeyId: &keyID})).Body
	check(dara.StringValue(re.KeyId) == keyID, "ReEncrypt KeyId")
	blob := must(tc.GenerateDataKeyWithoutPlaintext(&kms.GenerateDataKeyWithoutPlaintextRequest{KeyId: &keyID})).Body
	check(dara.StringValue(blob.CiphertextBlob) != "", "GenerateDataKeyWithoutPlaintext CiphertextBlob")
	_, err = tc.Encrypt(&kms.EncryptRequest{KeyId: &keyID, Plaintext: &text, DryRun: dara.String("true")})
	expectTypedCode(err, "DryRunOperationError", "Encrypt(DryRun)")
	pw := must(tc.GetRandomPassword(&kms.GetRandomPasswordRequest{PasswordLength: dara.String("24")})).Body
	check(len(dara.StringValue(pw.RandomPassword)) == 24, "RandomPassword length")
	private := must(rsa.GenerateKey(rand.Reader, 2048))
	spki := base64.StdEncoding.EncodeToString(must(x509.MarshalPKIXPublicKey(&private.PublicKey)))
	unwrap := func(blob *string) []byte {
		raw, _ := base64.StdEncoding.DecodeString(dara.StringValue(blob))
		return must(rsa.DecryptOAEP(sha256.New(), nil, private, raw, nil))
	}
	exported := must(tc.ExportDataKey(&kms.ExportDataKeyRequest{CiphertextBlob: dk.CiphertextBlob, PublicKeyBlob: &spki,
		WrappingAlgorithm: dara.String("RSAES_OAEP_SHA_256"), WrappingKeySpec: dara.String("RSA_2048")})).Body
	check(string(unwrap(exported.ExportedDataKey)) == string(raw), "ExportDataKey unwraps to the data key")
	both := must(tc.GenerateAndExportDataKey(&kms.GenerateAndExportDataKeyRequest{KeyId: &keyID, PublicKeyBlob: &spki,
		WrappingAlgorithm: dara.String("RSAES_OAEP_SHA_256"), WrappingKeySpec: dara.String("RSA_2048")})).Body
	inner := must(tc.Decrypt(&kms.DecryptRequest{CiphertextBlob: both.CiphertextBlob})).Body.Plaintext
	innerRaw, _ := base64.StdEncoding.DecodeString(dara.StringValue(inner))
	check(string(unwrap(both.ExportedDataKey)) == string(innerRaw), "GenerateAndExportDataKey")
}

func typedSecrets(tc *kms.Client) {
	name := unique("go-typed-secret")
	created := must(tc.CreateSecret(&kms.CreateSecretRequest{SecretName: &name, SecretData: dara.String("v1-data"), VersionId: dara.String("v1")})).Body
	check(dara.StringValue(created.SecretName) == name, "CreateSecret SecretName")
	value := must(tc.GetSecretValue(&kms.GetSecretValueRequest{SecretName: &name})).Body
	check(dara.StringValue(value.SecretData) == "v1-data", "SecretData")
	stages := dara.StringSliceValue(value.VersionStages.VersionStage)
	check(len(stages) == 1 && stages[0] == "ACSCurrent", "VersionStages %v", stages)
	must(tc.PutSecretValue(&kms.PutSecretValueRequest{SecretName: &name, SecretData: dara.String("v2-data"), VersionId: dara.String("v2")}))
	ids := must(tc.ListSecretVersionIds(&kms.ListSecretVersionIdsRequest{SecretName: &name})).Body.VersionIds.VersionId
	check(len(ids) == 2, "ListSecretVersionIds: %d versions", len(ids))
	described := must(tc.DescribeSecret(&kms.DescribeSecretRequest{SecretName: &name})).Body
	check(dara.StringValue(described.SecretName) == name, "DescribeSecret SecretName")
	filters, _ := json.Marshal([]map[string]any{{"Key": "SecretName", "Values": []string{name}}})
	listed := must(tc.ListSecrets(&kms.ListSecretsRequest{Filters: dara.String(string(filters))})).Body.SecretList.Secret
	check(len(listed) == 1 && dara.StringValue(listed[0].SecretName) == name, "ListSecrets filtered: %d", len(listed))
	_, err := tc.GetSecretValue(&kms.GetSecretValueRequest{SecretName: &name, DryRun: dara.String("true")})
	expectTypedCode(err, "DryRunOperationError", "GetSecretValue(DryRun)")
	deleted := must(tc.DeleteSecret(&kms.DeleteSecretRequest{SecretName: &name, RecoveryWindowInDays: dara.String("7")})).Body
	check(dara.StringValue(deleted.PlannedDeleteTime) != "", "PlannedDeleteTime")
	must(tc.RestoreSecret(&kms.RestoreSecretRequest{SecretName: &name}))
	must(tc.UpdateSecret(&kms.UpdateSecretRequest{SecretName: &name, Description: dara.String("typed")}))
	check(dara.StringValue(must(tc.DescribeSecret(&kms.DescribeSecretRequest{SecretName: &name})).Body.Description) == "typed", "UpdateSecret")
	must(tc.PutSecretValue(&kms.PutSecretValueRequest{SecretName: &name, SecretData: dara.String("v3"), VersionId: dara.String("v3"), VersionStages: dara.String(`["custom"]`)}))
	must(tc.UpdateSecretVersionStage(&kms.UpdateSecretVersionStageRequest{SecretName: &name, VersionStage: dara.String("custom"),
		RemoveFromVersion: dara.String("v3"), MoveToVersion: dara.String("v2")}))
	staged := must(tc.GetSecretValue(&kms.GetSecretValueRequest{SecretName: &name, VersionStage: dara.String("custom")})).Body
	check(dara.StringValue(staged.VersionId) == "v2", "UpdateSecretVersionStage")
	policy := `{"Version":"1","Statement":[{"Sid":"kms default key policy","Effect":"Allow","Principal":{"RAM":["acs:ram::1234567890123456:*"]},"Action":["kms:*"],"Resource":["*"]}]}`
	must(tc.SetSecretPolicy(&kms.SetSecretPolicyRequest{SecretName: &name, Policy: &policy}))
	check(dara.StringValue(must(tc.GetSecretPolicy(&kms.GetSecretPolicyRequest{SecretName: &name})).Body.Policy) == policy, "GetSecretPolicy")
	db := unique("rm-gotyped")
	status, body := control("POST", "rds-instances", map[string]any{"DBInstanceId": db, "Accounts": []any{map[string]string{"AccountName": "app", "AccountPassword": "Init#1"}}})
	check(status == 200, "rds-instances: %d %v", status, body)
	rds := unique("go-typed-rds")
	must(tc.CreateSecret(&kms.CreateSecretRequest{SecretName: &rds, SecretType: dara.String("Rds"), VersionId: dara.String("v1"),
		SecretData:     dara.String(`{"Accounts":[{"AccountName":"app","AccountPassword":"Init#1"}]}`),
		ExtendedConfig: map[string]any{"SecretSubType": "SingleUser", "DBInstanceId": db}}))
	must(tc.UpdateSecretRotationPolicy(&kms.UpdateSecretRotationPolicyRequest{SecretName: &rds, EnableAutomaticRotation: dara.Bool(true), RotationInterval: dara.String("7d")}))
	rotated := must(tc.RotateSecret(&kms.RotateSecretRequest{SecretName: &rds, VersionId: dara.String("r1")})).Body
	check(dara.StringValue(rotated.VersionId) == "r1", "RotateSecret VersionId")
	control("POST", "clock", map[string]string{"advance": "1m"})
	after := must(tc.GetSecretValue(&kms.GetSecretValueRequest{SecretName: &rds, FetchExtendedConfig: dara.Bool(true)})).Body
	check(dara.StringValue(after.VersionId) == "r1" && dara.StringValue(after.AutomaticRotation) == "Enabled", "after rotation")
}
