// credslibs: the credentials library of Go (github.com/aliyun/credentials-go, pinned in go.mod) against
// the emulator, run by test/sdk/credentials-libs.sh, with the typed KMS client (kms-20160120/v3) on top:
//
//	ram_role_arn  credential.Config{Type: "ram_role_arn", root pair, RoleArn, RoleSessionName,
//	              STSEndpoint: $KMS_HTTPS_ENDPOINT}: AssumeRole over https (hard-coded by the library;
//	              the shell trusts the CA with SSL_CERT_FILE)
//	uri           credential.NewCredential(nil): the default chain, ALIBABA_CLOUD_CREDENTIALS_URI set
//
// Then Encrypt on $CREDS_KEY_ID (AliyunKMSCryptoUserAccess allows it) must succeed and CreateKey must
// be refused with Forbidden.NoPermission. Prints one line per check; exits 1 when one fails.
package main

import (
	"fmt"
	"os"
	"regexp"
	"strings"

	openapi "github.com/alibabacloud-go/darabonba-openapi/v2/client"
	kms "github.com/alibabacloud-go/kms-20160120/v3/client"
	"github.com/alibabacloud-go/tea/dara"
	credential "github.com/aliyun/credentials-go/credentials"
)

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "FAIL "+format+"\n", args...)
	os.Exit(1)
}

func main() {
	mode := ""
	if len(os.Args) == 2 {
		mode = os.Args[1]
	}
	var cred credential.Credential
	var err error
	switch mode {
	case "ram_role_arn":
		cred, err = credential.NewCredential(new(credential.Config).
			SetType("ram_role_arn").
			SetAccessKeyId(os.Getenv("ROOT_ACCESS_KEY_ID")).
			SetAccessKeySecret(os.Getenv("ROOT_ACCESS_KEY_SECRET")).
			SetRoleArn(os.Getenv("CREDS_ROLE_ARN")).
			SetRoleSessionName("go-ram-role-arn").
			SetSTSEndpoint(os.Getenv("KMS_HTTPS_ENDPOINT")))
	case "uri":
		cred, err = credential.NewCredential(nil)
	default:
		fmt.Fprintln(os.Stderr, "usage: credslibs ram_role_arn|uri")
		os.Exit(2)
	}
	if err != nil {
		fail("%s: %v", mode, err)
	}
	got, err := cred.GetCredential()
	if err != nil {
		fail("%s: %v", mode, err)
	}
	if !strings.HasPrefix(dara.StringValue(got.AccessKeyId), "STS.") || dara.StringValue(got.SecurityToken) == "" {
		fail("%s: not an STS session: %s", mode, dara.StringValue(got.AccessKeyId))
	}
	fmt.Printf("ok    %s: %s gave %s\n", mode, dara.StringValue(got.ProviderName), dara.StringValue(got.AccessKeyId))

	client, err := kms.NewClient(&openapi.Config{
		Credential: cred,
		Endpoint:   dara.String(os.Getenv("KMS_ENDPOINT")),
		Protocol:   dara.String("http"),
		RegionId:   dara.String("cn-hangzhou"),
	})
	if err != nil {
		fail("%s: %v", mode, err)
	}
	keyID := os.Getenv("CREDS_KEY_ID")
	encrypted, err := client.Encrypt(&kms.EncryptRequest{KeyId: dara.String(keyID), Plaintext: dara.String("aGVsbG8=")})
	if err != nil {
		fail("%s: Encrypt: %v", mode, err)
	}
	if dara.StringValue(encrypted.Body.KeyId) != keyID || dara.StringValue(encrypted.Body.CiphertextBlob) == "" {
		fail("%s: Encrypt answered %v", mode, encrypted.Body)
	}
	fmt.Printf("ok    %s: Encrypt allowed (AliyunKMSCryptoUserAccess)\n", mode)
	_, err = client.CreateKey(&kms.CreateKeyRequest{})
	if err == nil {
		fail("%s: CreateKey was allowed", mode)
	}
	// The Tea error of darabonba-openapi: its Code field, whichever Tea package made it.
	code := ""
	if coded, isCoded := err.(interface{ ErrorCode() *string }); isCoded {
		code = dara.StringValue(coded.ErrorCode())
	} else if m := regexp.MustCompile(`(?m)^\s*Code: ([A-Za-z0-9.]+)`).FindStringSubmatch(err.Error()); m != nil {
		code = m[1]
	}
	if code != "Forbidden.NoPermission" {
		fail("%s: CreateKey refused with %v, not Forbidden.NoPermission", mode, err)
	}
	fmt.Printf("ok    %s: CreateKey denied: %s\n", mode, code)
}
