// The instance-openapi row (issue #26 §1), the product document's Step 2 with the typed client:
// github.com/alibabacloud-go/kms-20160120/v3 (SDK V2.0, AccessKey credentials) pointed at the
// instance endpoint (KMS_GATEWAY_ENDPOINT, the gateway listener) over https with config.Ca = the
// instance CA's PEM content (GetKmsInstance's CaCertificateChainPem as is; Go's Tea appends every
// certificate of it to an empty pool), certificate verification on. The instance's key and secret
// are created through the shared endpoint with the same client (CreateKey and CreateSecret with
// DKMSInstanceId). Checks, each on its own so the detail names every one that failed:
// GetSecretValue returns the value; Encrypt then Decrypt round-trip; CreateKey and ListKeys are
// refused with UnsupportedOperation; the same client signing with the RPC V1 signature
// (SignatureAlgorithm "v2") reads the secret; a client without the CA refuses the certificate.
package main

import (
	"fmt"
	"os"
	"strings"

	openapi "github.com/alibabacloud-go/darabonba-openapi/v2/client"
	kms "github.com/alibabacloud-go/kms-20160120/v3/client"
	"github.com/alibabacloud-go/tea/dara"
)

var gatewayEndpoint = os.Getenv("KMS_GATEWAY_ENDPOINT")

func init() {
	rows = append(rows, struct {
		name string
		fn   func(c client)
	}{"instance-openapi", func(c client) {
		if !c.typed {
			panic(skipped{"not a typed client (CommonRequest, JSON maps)"})
		}
		panic(instanceOpenAPIOutcome(instanceOpenAPI()))
	}})
}

// passed ends a row with a pass and a detail (classifyPanic reports any other panic as a failure).
type passed struct{ msg string }

func (p passed) Error() string { return p.msg }

func instanceOpenAPIOutcome(detail string, failures []string) any {
	if len(failures) > 0 {
		return fmt.Errorf("%s", strings.Join(failures, "; "))
	}
	return passed{detail}
}

func gatewayClient(endpoint string, ca *string, signatureAlgorithm *string) *kms.Client {
	ak, sk := accessKey, secretKey
	client, err := kms.NewClient(&openapi.Config{
		AccessKeyId: &ak, AccessKeySecret: &sk, Endpoint: dara.String(endpoint),
		Protocol: dara.String("https"), RegionId: dara.String("cn-hangzhou"),
		Ca: ca, SignatureAlgorithm: signatureAlgorithm,
	})
	if err != nil {
		panic(err)
	}
	return client
}

func firstLine(err error) string {
	text := strings.SplitN(err.Error(), "\n", 2)[0]
	if len(text) > 200 {
		text = text[:200]
	}
	return text
}

func instanceOpenAPI() (string, []string) {
	check(gatewayEndpoint != "", "KMS_GATEWAY_ENDPOINT is not set (no --gateway-port)")
	shared := teaClient(accessKey, secretKey)
	instances := must(shared.ListKmsInstances(&kms.ListKmsInstancesRequest{PageSize: dara.Int32(100)})).Body.KmsInstances.KmsInstance
	check(len(instances) > 0, "ListKmsInstances on the shared endpoint lists no instance")
	instanceID := dara.StringValue(instances[0].KmsInstanceId)
	keyID := dara.StringValue(must(shared.CreateKey(&kms.CreateKeyRequest{DKMSInstanceId: &instanceID})).Body.KeyMetadata.KeyId)
	secretName := unique("go-instance-openapi")
	secretData := unique("Passw0rd#")
	must(shared.CreateSecret(&kms.CreateSecretRequest{
		SecretName: &secretName, SecretData: &secretData, VersionId: dara.String("v1"),
		EncryptionKeyId: &keyID, DKMSInstanceId: &instanceID,
	}))
	ca := dara.StringValue(must(shared.GetKmsInstance(&kms.GetKmsInstanceRequest{KmsInstanceId: &instanceID})).Body.KmsInstance.CaCertificateChainPem)
	check(strings.Contains(ca, "BEGIN CERTIFICATE"), "GetKmsInstance CaCertificateChainPem is %q", ca)

	gateway := gatewayClient(gatewayEndpoint, &ca, nil)
	var ok, failures []string
	step := func(name string, fn func() string) {
		defer func() {
			if p := recover(); p != nil {
				_, detail := classifyPanic(p)
				failures = append(failures, name+": "+detail)
			}
		}()
		ok = append(ok, fn())
	}
	step("GetSecretValue", func() string {
		got := must(gateway.GetSecretValue(&kms.GetSecretValueRequest{SecretName: &secretName})).Body
		check(dara.StringValue(got.SecretData) == secretData && dara.StringValue(got.VersionId) == "v1",
			"expected (%s, v1), got (%s, %s)", secretData, dara.StringValue(got.SecretData), dara.StringValue(got.VersionId))
		return "GetSecretValue"
	})
	step("Encrypt/Decrypt", func() string {
		context := map[string]interface{}{"app": "go-instance-openapi"}
		sealed := must(gateway.Encrypt(&kms.EncryptRequest{KeyId: &keyID, Plaintext: dara.String("hello instance"), EncryptionContext: context})).Body
		check(dara.StringValue(sealed.KeyId) == keyID, "Encrypt KeyId %s", dara.StringValue(sealed.KeyId))
		opened := must(gateway.Decrypt(&kms.DecryptRequest{CiphertextBlob: sealed.CiphertextBlob, EncryptionContext: context})).Body
		check(dara.StringValue(opened.Plaintext) == "hello instance" && dara.StringValue(opened.KeyId) == keyID,
			"Decrypt got (%s, %s)", dara.StringValue(opened.Plaintext), dara.StringValue(opened.KeyId))
		return "Encrypt/Decrypt"
	})
	refused := func(name string, err error) string {
		check(err != nil, "expected UnsupportedOperation, the call succeeded")
		check(errorCode(err) == "UnsupportedOperation", "expected UnsupportedOperation, got %s", firstLine(err))
		return name + " refused (UnsupportedOperation)"
	}
	step("CreateKey", func() string {
		_, err := gateway.CreateKey(&kms.CreateKeyRequest{DKMSInstanceId: &instanceID})
		return refused("CreateKey", err)
	})
	step("ListKeys", func() string {
		_, err := gateway.ListKeys(&kms.ListKeysRequest{})
		return refused("ListKeys", err)
	})
	step("GetSecretValue (SignatureAlgorithm v2)", func() string {
		got := must(gatewayClient(gatewayEndpoint, &ca, dara.String("v2")).GetSecretValue(&kms.GetSecretValueRequest{SecretName: &secretName})).Body
		check(dara.StringValue(got.SecretData) == secretData, "got %s", dara.StringValue(got.SecretData))
		return "GetSecretValue (v2 signature)"
	})
	step("without config.Ca", func() string {
		// Through the other name of the loopback certificate, so no connection of the clients above is reused.
		port := gatewayEndpoint[strings.LastIndex(gatewayEndpoint, ":")+1:]
		_, err := gatewayClient("localhost:"+port, nil, nil).GetSecretValue(&kms.GetSecretValueRequest{SecretName: &secretName})
		check(err != nil, "the call succeeded: certificate verification is off")
		check(strings.Contains(err.Error(), "certificate"), "expected a certificate verification error, got %s", firstLine(err))
		return "no CA: certificate refused"
	})
	return fmt.Sprintf("%s on https://%s with config.Ca (PEM): %s", instanceID, gatewayEndpoint, strings.Join(ok, ", ")), failures
}
