// Rows asymmetric-sign, asymmetric-encrypt and mac for the Go clients. Go's standard library
// (crypto/ecdsa, crypto/rsa, crypto/hmac) is the second implementation: it verifies the emulator's
// signatures with the key from GetPublicKey, encrypts what the emulator must decrypt, and computes
// the HMAC of seeded material.
package main

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"strings"

	kms "github.com/alibabacloud-go/kms-20160120/v3/client"
	"github.com/alibabacloud-go/tea/dara"
)

const goHmacKeyID = "a1b2c3d4-0000-4000-8000-00000000af01"

var goHmacMaterial = []byte("go conformance hmac material!!!!")

func b64(data []byte) string { return base64.StdEncoding.EncodeToString(data) }

func unb64(text string) []byte {
	out, err := base64.StdEncoding.DecodeString(text)
	check(err == nil, "not base64: %q", text)
	return out
}

// keyPair creates a key and returns its ID, first version and the public key from GetPublicKey.
func keyPair(call caller, spec, usage string) (string, string, any) {
	meta := run(call, "CreateKey", map[string]string{"KeySpec": spec, "KeyUsage": usage})
	keyID := str(path(meta, "KeyMetadata", "KeyId"))
	check(str(path(meta, "KeyMetadata", "KeySpec")) == spec, "CreateKey KeySpec: %v", meta)
	versions, _ := path(run(call, "ListKeyVersions", map[string]string{"KeyId": keyID}), "KeyVersions", "KeyVersion").([]any)
	check(len(versions) == 1, "ListKeyVersions: %v", versions)
	version := str(versions[0].(map[string]any)["KeyVersionId"])
	text := str(run(call, "GetPublicKey", map[string]string{"KeyId": keyID, "KeyVersionId": version})["PublicKey"])
	block, _ := pem.Decode([]byte(text))
	check(block != nil && block.Type == "PUBLIC KEY", "GetPublicKey is not a PEM public key: %q", text)
	public, err := x509.ParsePKIXPublicKey(block.Bytes)
	check(err == nil, "crypto/x509 cannot read the public key: %v", err)
	return keyID, version, public
}

func init() {
	rows = append(rows,
		struct {
			name string
			fn   func(c client)
		}{"asymmetric-sign", func(c client) {
			call := c.make(accessKey, secretKey)
			message := []byte("go conformance: sign me")
			digest := sha256.Sum256(message)
			for _, k := range [][2]string{{"EC_P256", "ECDSA_SHA_256"}, {"RSA_2048", "RSA_PSS_SHA_256"}, {"RSA_2048", "RSA_PKCS1_SHA_256"}} {
				keyID, version, public := keyPair(call, k[0], "SIGN/VERIFY")
				params := map[string]string{"KeyId": keyID, "KeyVersionId": version, "Algorithm": k[1], "Digest": b64(digest[:])}
				signature := unb64(str(run(call, "AsymmetricSign", params)["Value"]))
				switch k[1] {
				case "ECDSA_SHA_256":
					check(ecdsa.VerifyASN1(public.(*ecdsa.PublicKey), digest[:], signature), "crypto/ecdsa rejects the signature")
				case "RSA_PSS_SHA_256":
					err := rsa.VerifyPSS(public.(*rsa.PublicKey), crypto.SHA256, digest[:], signature, &rsa.PSSOptions{SaltLength: 32})
					check(err == nil, "crypto/rsa rejects the PSS signature: %v", err)
				default:
					err := rsa.VerifyPKCS1v15(public.(*rsa.PublicKey), crypto.SHA256, digest[:], signature)
					check(err == nil, "crypto/rsa rejects the PKCS#1 signature: %v", err)
				}
				params["Value"] = b64(signature)
				check(run(call, "AsymmetricVerify", params)["Value"] == true, "AsymmetricVerify of its own signature")
			}
			keyID, version, public := keyPair(call, "EC_P256", "SIGN/VERIFY")
			if c.typed {
				// The typed methods, whose responses are cast to the SDK's models.
				tc := teaClient(accessKey, secretKey)
				pk, err := tc.GetPublicKey(&kms.GetPublicKeyRequest{KeyId: &keyID, KeyVersionId: &version})
				check(err == nil && strings.HasPrefix(dara.StringValue(pk.Body.PublicKey), "-----BEGIN PUBLIC KEY-----"), "typed GetPublicKey: %v", err)
				signed, err := tc.AsymmetricSign(&kms.AsymmetricSignRequest{KeyId: &keyID, KeyVersionId: &version,
					Algorithm: dara.String("ECDSA_SHA_256"), Digest: dara.String(b64(digest[:]))})
				check(err == nil, "typed AsymmetricSign: %v", err)
				check(ecdsa.VerifyASN1(public.(*ecdsa.PublicKey), digest[:], unb64(dara.StringValue(signed.Body.Value))), "crypto/ecdsa rejects the typed signature")
				verified, err := tc.AsymmetricVerify(&kms.AsymmetricVerifyRequest{KeyId: &keyID, KeyVersionId: &version,
					Algorithm: dara.String("ECDSA_SHA_256"), Digest: dara.String(b64(digest[:])), Value: signed.Body.Value})
				check(err == nil && dara.BoolValue(verified.Body.Value), "typed AsymmetricVerify: %v", err)
			}
			expectCode(call, "AsymmetricSign", map[string]string{"KeyId": keyID, "KeyVersionId": version,
				"Algorithm": "ECDSA_SHA_256", "Digest": b64(make([]byte, 20))}, "InvalidParameter")
		}},
		struct {
			name string
			fn   func(c client)
		}{"asymmetric-encrypt", func(c client) {
			call := c.make(accessKey, secretKey)
			keyID, version, public := keyPair(call, "RSA_2048", "ENCRYPT/DECRYPT")
			secret := []byte("go conformance data key 01234567")
			foreign, err := rsa.EncryptOAEP(sha256.New(), rand.Reader, public.(*rsa.PublicKey), secret, nil)
			check(err == nil, "EncryptOAEP: %v", err)
			params := map[string]string{"KeyId": keyID, "KeyVersionId": version, "Algorithm": "RSAES_OAEP_SHA_256", "CiphertextBlob": b64(foreign)}
			check(string(unb64(str(run(call, "AsymmetricDecrypt", params)["Plaintext"]))) == string(secret), "AsymmetricDecrypt of a crypto/rsa ciphertext")
			params["CiphertextBlob"] = b64(append(foreign[:len(foreign)-1:len(foreign)-1], foreign[len(foreign)-1]^1))
			expectCode(call, "AsymmetricDecrypt", params, "InvalidCiphertext")
		}},
		struct {
			name string
			fn   func(c client)
		}{"mac", func(c client) {
			call := c.make(accessKey, secretKey)
			status, body := control("POST", "seed", map[string]any{"keys": []any{map[string]any{
				"keyId": goHmacKeyID, "keySpec": "HMAC_SHA_256",
				"versions": []any{map[string]string{"keyVersionId": "v1", "material": b64(goHmacMaterial)}},
			}}})
			check(status == 200, "seeding the HMAC key answered %d: %v", status, body)
			message := []byte("go conformance webhook body")
			mac := hmac.New(sha256.New, goHmacMaterial)
			mac.Write(message)
			expected := b64(mac.Sum(nil))
			params := map[string]string{"KeyId": goHmacKeyID, "Algorithm": "HMAC_SHA_256", "Message": b64(message)}
			got := str(run(call, "GenerateMac", params)["Mac"])
			check(got == expected, "GenerateMac %s, crypto/hmac %s", got, expected)
			params["Mac"] = got
			check(run(call, "VerifyMac", params)["Value"] == true, "VerifyMac of its own MAC")
			params["Message"] = b64([]byte("tampered"))
			check(run(call, "VerifyMac", params)["Value"] == false, "VerifyMac accepted another message")
		}},
	)
}
