// KMS Instance SDK for Go (github.com/aliyun/alibabacloud-dkms-gcs-go-sdk) against the emulator's
// gateway, certificate verification on. The calling test prepares the world through the OpenAPI and
// passes it as a JSON file; this program prints one JSON array of {case, ok, detail}.
package main

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"

	"github.com/alibabacloud-go/tea/tea"
	dedicatedkmsopenapi "github.com/aliyun/alibabacloud-dkms-gcs-go-sdk/openapi"
	dedicatedkmsopenapiutil "github.com/aliyun/alibabacloud-dkms-gcs-go-sdk/openapi-util"
	dedicatedkmssdk "github.com/aliyun/alibabacloud-dkms-gcs-go-sdk/sdk"
)

type world struct {
	Gateway     string            `json:"gateway"`
	ControlURL  string            `json:"controlUrl"`
	CaFile      string            `json:"caFile"`
	Password    string            `json:"password"`
	KeyID       string            `json:"keyId"`
	OtherKeyID  string            `json:"otherKeyId"`
	SignKeyID   string            `json:"signKeyId"`
	SecretName  string            `json:"secretName"`
	ClientKeys  map[string]string `json:"clientKeys"`
	SecretValue string            `json:"secretValue"`
}

type result struct {
	Case   string `json:"case"`
	OK     bool   `json:"ok"`
	Detail string `json:"detail"`
}

var (
	w       world
	results []result
)

func run(name string, fn func() (string, error)) {
	detail, err := fn()
	if err != nil {
		results = append(results, result{name, false, err.Error()})
		return
	}
	results = append(results, result{name, true, detail})
}

func client(keyFile string, caFile string) *dedicatedkmssdk.Client {
	config := &dedicatedkmsopenapi.Config{
		Protocol:      tea.String("https"),
		ClientKeyFile: tea.String(keyFile),
		Password:      tea.String(w.Password),
		Endpoint:      tea.String(w.Gateway),
		CaFilePath:    tea.String(caFile),
	}
	c, err := dedicatedkmssdk.NewClient(config)
	if err != nil {
		panic(err)
	}
	return c
}

func noRetry() *dedicatedkmsopenapiutil.RuntimeOptions {
	return &dedicatedkmsopenapiutil.RuntimeOptions{Autoretry: tea.Bool(false)}
}

// refusal returns "code status" of an SDK error.
func refusal(err error) string {
	if err == nil {
		return "no error"
	}
	var sdkErr *tea.SDKError
	if errors.As(err, &sdkErr) {
		// The SDK puts the HTTP status in the error's data: {"httpCode": …}.
		var data struct {
			HTTPCode int `json:"httpCode"`
		}
		_ = json.Unmarshal([]byte(tea.StringValue(sdkErr.Data)), &data)
		return fmt.Sprintf("%s %d", tea.StringValue(sdkErr.Code), data.HTTPCode)
	}
	return err.Error()
}

func expect(got, want string) error {
	if got != want {
		return fmt.Errorf("got %q, want %q", got, want)
	}
	return nil
}

func main() {
	raw, err := os.ReadFile(os.Args[1])
	if err != nil {
		panic(err)
	}
	if err := json.Unmarshal(raw, &w); err != nil {
		panic(err)
	}
	app := client(w.ClientKeys["app"], w.CaFile)

	run("Encrypt / Decrypt with Aad", func() (string, error) {
		enc, err := app.Encrypt(&dedicatedkmssdk.EncryptRequest{KeyId: tea.String(w.KeyID), Plaintext: []byte("hello go"), Aad: []byte("ctx")})
		if err != nil {
			return "", err
		}
		dec, err := app.Decrypt(&dedicatedkmssdk.DecryptRequest{KeyId: tea.String(w.KeyID), CiphertextBlob: enc.CiphertextBlob, Iv: enc.Iv, Aad: []byte("ctx")})
		if err != nil {
			return "", err
		}
		if err := expect(string(dec.Plaintext), "hello go"); err != nil {
			return "", err
		}
		return tea.StringValue(enc.RequestId), expect(tea.StringValue(enc.Algorithm), "AES_GCM")
	})

	run("GenerateDataKey", func() (string, error) {
		out, err := app.GenerateDataKey(&dedicatedkmssdk.GenerateDataKeyRequest{KeyId: tea.String(w.KeyID), NumberOfBytes: tea.Int32(32)})
		if err != nil {
			return "", err
		}
		dec, err := app.Decrypt(&dedicatedkmssdk.DecryptRequest{KeyId: tea.String(w.KeyID), CiphertextBlob: out.CiphertextBlob, Iv: out.Iv})
		if err != nil {
			return "", err
		}
		if !bytes.Equal(dec.Plaintext, out.Plaintext) || len(out.Plaintext) != 32 {
			return "", fmt.Errorf("data key round trip failed")
		}
		return "", nil
	})

	run("AdvanceEncrypt / AdvanceDecrypt / AdvanceGenerateDataKey", func() (string, error) {
		enc, err := app.AdvanceEncrypt(&dedicatedkmssdk.AdvanceEncryptRequest{KeyId: tea.String(w.KeyID), Plaintext: []byte("advanced")})
		if err != nil {
			return "", err
		}
		dec, err := app.AdvanceDecrypt(&dedicatedkmssdk.AdvanceDecryptRequest{CiphertextBlob: enc.CiphertextBlob})
		if err != nil {
			return "", err
		}
		if err := expect(string(dec.Plaintext), "advanced"); err != nil {
			return "", err
		}
		gdk, err := app.AdvanceGenerateDataKey(&dedicatedkmssdk.AdvanceGenerateDataKeyRequest{KeyId: tea.String(w.KeyID), NumberOfBytes: tea.Int32(16)})
		if err != nil {
			return "", err
		}
		back, err := app.AdvanceDecrypt(&dedicatedkmssdk.AdvanceDecryptRequest{CiphertextBlob: gdk.CiphertextBlob})
		if err != nil {
			return "", err
		}
		if !bytes.Equal(back.Plaintext, gdk.Plaintext) {
			return "", fmt.Errorf("advance data key round trip failed")
		}
		return tea.StringValue(enc.KeyVersionId), nil
	})

	run("GenerateRandom", func() (string, error) {
		out, err := app.GenerateRandom(&dedicatedkmssdk.GenerateRandomRequest{Length: tea.Int32(24)})
		if err != nil {
			return "", err
		}
		if len(out.Random) != 24 {
			return "", fmt.Errorf("%d bytes", len(out.Random))
		}
		_, err = app.GenerateRandomWithOptions(&dedicatedkmssdk.GenerateRandomRequest{Length: tea.Int32(5000)}, noRetry())
		return "", expect(refusal(err), "InvalidParameter 400")
	})

	run("GetSecretValue", func() (string, error) {
		out, err := app.GetSecretValue(&dedicatedkmssdk.GetSecretValueRequest{SecretName: tea.String(w.SecretName)})
		if err != nil {
			return "", err
		}
		if err := expect(tea.StringValue(out.SecretData), w.SecretValue); err != nil {
			return "", err
		}
		if len(out.VersionStages) == 0 || tea.StringValue(out.VersionStages[0]) != "ACSCurrent" {
			return "", fmt.Errorf("stages %v", tea.StringSliceValue(out.VersionStages))
		}
		return "", nil
	})

	run("refusals: policy, network rule, unknown key, deleted and forged client keys", func() (string, error) {
		checks := map[string][2]string{}
		_, err := app.EncryptWithOptions(&dedicatedkmssdk.EncryptRequest{KeyId: tea.String(w.OtherKeyID), Plaintext: []byte("x")}, noRetry())
		checks["key outside Resources"] = [2]string{refusal(err), "Forbidden.NoPermission 403"}
		_, err = client(w.ClientKeys["keys-app"], w.CaFile).GetSecretValueWithOptions(&dedicatedkmssdk.GetSecretValueRequest{SecretName: tea.String(w.SecretName)}, noRetry())
		checks["secret without SecretUser"] = [2]string{refusal(err), "Forbidden.NoPermission 403"}
		_, err = client(w.ClientKeys["far-app"], w.CaFile).EncryptWithOptions(&dedicatedkmssdk.EncryptRequest{KeyId: tea.String(w.KeyID), Plaintext: []byte("x")}, noRetry())
		checks["outside the network rule"] = [2]string{refusal(err), "Forbidden.NoPermission 403"}
		_, err = app.EncryptWithOptions(&dedicatedkmssdk.EncryptRequest{KeyId: tea.String("key-nope"), Plaintext: []byte("x")}, noRetry())
		checks["unknown key"] = [2]string{refusal(err), "Forbidden.KeyNotFound 404"}
		_, err = client(w.ClientKeys["deleted"], w.CaFile).GenerateRandomWithOptions(&dedicatedkmssdk.GenerateRandomRequest{Length: tea.Int32(8)}, noRetry())
		checks["deleted client key"] = [2]string{refusal(err), "InvalidAccessKeyId.NotFound 401"}
		_, err = client(w.ClientKeys["forged"], w.CaFile).GenerateRandomWithOptions(&dedicatedkmssdk.GenerateRandomRequest{Length: tea.Int32(8)}, noRetry())
		checks["forged signature"] = [2]string{refusal(err), "SignatureDoesNotMatch 401"}
		_, err = client(w.ClientKeys["expired"], w.CaFile).GenerateRandomWithOptions(&dedicatedkmssdk.GenerateRandomRequest{Length: tea.Int32(8)}, noRetry())
		checks["expired client key"] = [2]string{refusal(err), "InvalidAccessKeyId.Inactive 401"}
		var bad []string
		for what, pair := range checks {
			if pair[0] != pair[1] {
				bad = append(bad, fmt.Sprintf("%s: got %q want %q", what, pair[0], pair[1]))
			}
		}
		if len(bad) > 0 {
			return "", errors.New(strings.Join(bad, "; "))
		}
		return fmt.Sprintf("%d refusals", len(checks)), nil
	})

	run("certificate verification is on: the system roots do not trust the gateway", func() (string, error) {
		// A host name of its own: the SDK's HTTP clients are pooled per host, whatever their CA.
		port := w.Gateway[strings.LastIndex(w.Gateway, ":")+1:]
		config := &dedicatedkmsopenapi.Config{
			Protocol:      tea.String("https"),
			ClientKeyFile: tea.String(w.ClientKeys["app"]),
			Password:      tea.String(w.Password),
			Endpoint:      tea.String("localhost:" + port),
		}
		c, err := dedicatedkmssdk.NewClient(config)
		if err != nil {
			return "", err
		}
		_, err = c.GenerateRandomWithOptions(&dedicatedkmssdk.GenerateRandomRequest{Length: tea.Int32(8)}, noRetry())
		if err == nil || !strings.Contains(strings.ToLower(err.Error()), "certificate") {
			return "", fmt.Errorf("expected a certificate error, got %v", err)
		}
		return "refused", nil
	})

	run("Rejected.Throttling (429) is retried by the SDK", func() (string, error) {
		body := `{"action":"GenerateRandom","error":{"code":"Rejected.Throttling","status":429},"times":1}`
		res, err := http.Post(w.ControlURL+"/_emulator/faults", "application/json", strings.NewReader(body))
		if err != nil {
			return "", err
		}
		res.Body.Close()
		out, err := app.GenerateRandom(&dedicatedkmssdk.GenerateRandomRequest{Length: tea.Int32(8)})
		if err != nil {
			return "", err
		}
		if len(out.Random) != 8 {
			return "", fmt.Errorf("%d bytes", len(out.Random))
		}
		return "", nil
	})

	run("Sign / Verify / GetPublicKey (ECDSA, checked by crypto/ecdsa)", func() (string, error) {
		keys := client(w.ClientKeys["keys-app"], w.CaFile)
		message := []byte("order 42 shipped")
		signed, err := keys.Sign(&dedicatedkmssdk.SignRequest{KeyId: tea.String(w.SignKeyID), Algorithm: tea.String("ECDSA_SHA_256"), Message: message, MessageType: tea.String("RAW")})
		if err != nil {
			return "", err
		}
		verified, err := keys.Verify(&dedicatedkmssdk.VerifyRequest{KeyId: tea.String(w.SignKeyID), Algorithm: tea.String("ECDSA_SHA_256"), Message: message, MessageType: tea.String("RAW"), Signature: signed.Signature})
		if err != nil {
			return "", err
		}
		if !tea.BoolValue(verified.Value) {
			return "", fmt.Errorf("the gateway did not verify its own signature")
		}
		public, err := keys.GetPublicKey(&dedicatedkmssdk.GetPublicKeyRequest{KeyId: tea.String(w.SignKeyID)})
		if err != nil {
			return "", err
		}
		block, _ := pem.Decode([]byte(tea.StringValue(public.PublicKey)))
		if block == nil {
			return "", fmt.Errorf("no PEM public key")
		}
		parsed, err := x509.ParsePKIXPublicKey(block.Bytes)
		if err != nil {
			return "", err
		}
		digest := sha256.Sum256(message)
		if !ecdsa.VerifyASN1(parsed.(*ecdsa.PublicKey), digest[:], signed.Signature) {
			return "", fmt.Errorf("crypto/ecdsa rejects the signature")
		}
		return "verified by crypto/ecdsa", nil
	})

	run("GenerateDataKeyPair: the private key decrypts and matches the public key", func() (string, error) {
		pair, err := app.GenerateDataKeyPair(&dedicatedkmssdk.GenerateDataKeyPairRequest{KeyId: tea.String(w.KeyID), KeyPairSpec: tea.String("RSA_2048"), KeyFormat: tea.String("DER")})
		if err != nil {
			return "", err
		}
		private, err := x509.ParsePKCS8PrivateKey(pair.PrivateKeyPlaintext)
		if err != nil {
			return "", err
		}
		spki, err := x509.MarshalPKIXPublicKey(private.(interface{ Public() crypto.PublicKey }).Public())
		if err != nil {
			return "", err
		}
		if !bytes.Equal(spki, pair.PublicKey) {
			return "", fmt.Errorf("public key does not match the private key")
		}
		opened, err := app.Decrypt(&dedicatedkmssdk.DecryptRequest{KeyId: tea.String(w.KeyID), CiphertextBlob: pair.PrivateKeyCiphertextBlob, Iv: pair.Iv})
		if err != nil {
			return "", err
		}
		if !bytes.Equal(opened.Plaintext, pair.PrivateKeyPlaintext) {
			return "", fmt.Errorf("the private key ciphertext does not decrypt to the private key")
		}
		return "", nil
	})

	// Last: it gives the secret a new version.
	run("Secrets Manager client (aliyun-secretsmanager-client-go) in ClientKey mode reads and refreshes", secretsManagerClientKeyMode)

	out, _ := json.Marshal(results)
	fmt.Println(string(out))
}
