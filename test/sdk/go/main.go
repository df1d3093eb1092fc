// Conformance matrix through the official Go clients: alibaba-cloud-sdk-go (V1 signature, the
// signer the aliyun CLI uses) and alibabacloud-go/kms-20160120 (Tea, V3 signature).
// Writes [{client,row,status,detail}] to $CONFORMANCE_OUT.
package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand"
	"net/http"
	"os"
	"regexp"
	"strings"
	"time"

	openapi "github.com/alibabacloud-go/darabonba-openapi/v2/client"
	kms "github.com/alibabacloud-go/kms-20160120/v3/client"
	"github.com/alibabacloud-go/tea/dara"
	"github.com/aliyun/alibaba-cloud-sdk-go/sdk"
	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/requests"
)

type result struct {
	Client string `json:"client"`
	Row    string `json:"row"`
	Status string `json:"status"`
	Detail string `json:"detail"`
}

type notBuilt struct{ msg string }
type skipped struct{ msg string }

func (e notBuilt) Error() string { return e.msg }
func (e skipped) Error() string  { return e.msg }

type caller func(action string, params map[string]string) (map[string]any, error)

var (
	endpoint   = env("KMS_ENDPOINT", "127.0.0.1:8080")
	controlURL = env("KMS_EMULATOR_URL", "http://"+env("KMS_ENDPOINT", "127.0.0.1:8080"))
	accessKey  = env("ALIBABA_CLOUD_ACCESS_KEY_ID", "LTAIEmulatorAccessKeyId")
	secretKey  = env("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "EmulatorAccessKeySecret")
	codeRe     = regexp.MustCompile(`(?:ErrorCode|Code):\s*"?([A-Za-z][A-Za-z0-9._]*)`)
)

func env(name, fallback string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return fallback
}

func errorCode(err error) string {
	if m := codeRe.FindStringSubmatch(err.Error()); m != nil {
		return m[1]
	}
	return ""
}

// v1 signs with RPC V1 through the SDK's CommonRequest, as the aliyun CLI does.
func v1(ak, sk string) caller {
	client, err := sdk.NewClientWithAccessKey("cn-hangzhou", ak, sk)
	if err != nil {
		panic(err)
	}
	return func(action string, params map[string]string) (map[string]any, error) {
		req := requests.NewCommonRequest()
		req.Method = "POST"
		req.Scheme = "http"
		req.Domain = endpoint
		req.Version = "2016-01-20"
		req.ApiName = action
		for k, v := range params {
			req.QueryParams[k] = v
		}
		resp, err := client.ProcessCommonRequest(req)
		if err != nil {
			return nil, err
		}
		out := map[string]any{}
		return out, json.Unmarshal(resp.GetHttpContentBytes(), &out)
	}
}

func teaClient(ak, sk string) *kms.Client {
	client, err := kms.NewClient(&openapi.Config{
		AccessKeyId: &ak, AccessKeySecret: &sk, Endpoint: dara.String(endpoint),
		Protocol: dara.String("http"), RegionId: dara.String("cn-hangzhou"),
	})
	if err != nil {
		panic(err)
	}
	return client
}

// v3 signs with ACS3-HMAC-SHA256 through the Tea client's own CallApi.
func v3(ak, sk string) caller {
	client := teaClient(ak, sk)
	return func(action string, params map[string]string) (map[string]any, error) {
		query := map[string]*string{}
		for k, v := range params {
			query[k] = dara.String(v)
		}
		res, err := client.CallApi(&openapi.Params{
			Action: dara.String(action), Version: dara.String("2016-01-20"), Protocol: dara.String("HTTP"),
			Pathname: dara.String("/"), Method: dara.String("POST"), AuthType: dara.String("AK"),
			Style: dara.String("RPC"), ReqBodyType: dara.String("formData"), BodyType: dara.String("json"),
		}, &openapi.OpenApiRequest{Query: query}, &dara.RuntimeOptions{})
		if err != nil {
			return nil, err
		}
		body, _ := res["body"].(map[string]any)
		return body, nil
	}
}

func run(call caller, action string, params map[string]string) map[string]any {
	out, err := call(action, params)
	if err != nil {
		if errorCode(err) == "UnsupportedOperation" {
			panic(notBuilt{action + " not implemented yet"})
		}
		panic(fmt.Errorf("%s: %v", action, err))
	}
	return out
}

func expectCode(call caller, action string, params map[string]string, code string) {
	_, err := call(action, params)
	if err == nil {
		panic(fmt.Errorf("%s: expected %s, got success", action, code))
	}
	if got := errorCode(err); got != code {
		if got == "UnsupportedOperation" {
			panic(notBuilt{action + " not implemented yet"})
		}
		panic(fmt.Errorf("%s: expected %s, got %s (%v)", action, code, got, err))
	}
}

func check(ok bool, format string, args ...any) {
	if !ok {
		panic(fmt.Errorf(format, args...))
	}
}

func path(m map[string]any, keys ...string) any {
	var cur any = m
	for _, k := range keys {
		mm, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = mm[k]
	}
	return cur
}

func str(v any) string { s, _ := v.(string); return s }

func unique(prefix string) string {
	return fmt.Sprintf("%s-%d-%d", prefix, time.Now().UnixNano()%1e9, rand.Intn(1e6))
}

func control(method, route string, body any) (int, map[string]any) {
	data, _ := json.Marshal(body)
	req, _ := http.NewRequest(method, controlURL+"/_emulator/"+route, bytes.NewReader(data))
	req.Header.Set("content-type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	out := map[string]any{}
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

type client struct {
	name  string
	make  func(ak, sk string) caller
	typed bool
}

var rows = []struct {
	name string
	fn   func(c client)
}{
	{"service", func(c client) {
		if c.typed {
			res, err := teaClient(accessKey, secretKey).DescribeRegions()
			check(err == nil, "DescribeRegions: %v", err)
			found := false
			for _, r := range res.Body.Regions.Region {
				found = found || dara.StringValue(r.RegionId) == "cn-hangzhou"
			}
			check(found, "typed DescribeRegions lacks cn-hangzhou")
			return
		}
		body := run(c.make(accessKey, secretKey), "DescribeRegions", nil)
		check(strings.Contains(fmt.Sprint(body["Regions"]), "cn-hangzhou"), "regions: %v", body)
	}},
	{"errors", func(c client) {
		expectCode(c.make(accessKey, secretKey+"-wrong"), "DescribeRegions", nil, "SignatureDoesNotMatch")
		expectCode(c.make("LTAIUnknownGoKey", secretKey), "DescribeRegions", nil, "InvalidAccessKeyId.NotFound")
		expectCode(c.make(accessKey, secretKey), "GetSecretValue", map[string]string{"SecretName": unique("missing")}, "Forbidden.ResourceNotFound")
	}},
	{"instances", func(c client) {
		call := c.make(accessKey, secretKey)
		list := run(call, "ListKmsInstances", nil)
		items, _ := path(list, "KmsInstances", "KmsInstance").([]any)
		check(len(items) > 0, "no instances: %v", list)
		id := str(items[0].(map[string]any)["KmsInstanceId"])
		got := run(call, "GetKmsInstance", map[string]string{"KmsInstanceId": id})
		check(str(path(got, "KmsInstance", "InstanceId")) == id, "GetKmsInstance: %v", got)
	}},
	{"keys", func(c client) {
		call := c.make(accessKey, secretKey)
		keyID := str(path(run(call, "CreateKey", map[string]string{"Description": "go"}), "KeyMetadata", "KeyId"))
		check(keyID != "", "CreateKey returned no KeyId")
		check(str(path(run(call, "DescribeKey", map[string]string{"KeyId": keyID}), "KeyMetadata", "KeyState")) == "Enabled", "not Enabled")
		alias := "alias/" + unique("go")
		run(call, "CreateAlias", map[string]string{"AliasName": alias, "KeyId": keyID})
		check(str(path(run(call, "DescribeKey", map[string]string{"KeyId": alias}), "KeyMetadata", "KeyId")) == keyID, "alias")
	}},
	{"crypto", func(c client) {
		call := c.make(accessKey, secretKey)
		keyID := str(path(run(call, "CreateKey", nil), "KeyMetadata", "KeyId"))
		ctx := `{"app":"go","tenant":"t1"}`
		if c.typed {
			tc := teaClient(accessKey, secretKey)
			enc, err := tc.Encrypt(&kms.EncryptRequest{KeyId: &keyID, Plaintext: dara.String("hello go"), EncryptionContext: map[string]any{"app": "go"}})
			check(err == nil, "typed Encrypt: %v", err)
			dec, err := tc.Decrypt(&kms.DecryptRequest{CiphertextBlob: enc.Body.CiphertextBlob, EncryptionContext: map[string]any{"app": "go"}})
			check(err == nil && dara.StringValue(dec.Body.Plaintext) == "hello go", "typed Decrypt: %v", err)
		}
		enc := run(call, "Encrypt", map[string]string{"KeyId": keyID, "Plaintext": "hello kms", "EncryptionContext": ctx})
		dec := run(call, "Decrypt", map[string]string{"CiphertextBlob": str(enc["CiphertextBlob"]), "EncryptionContext": ctx})
		check(str(dec["Plaintext"]) == "hello kms", "Decrypt: %v", dec)
		expectCode(call, "Decrypt", map[string]string{"CiphertextBlob": str(enc["CiphertextBlob"]), "EncryptionContext": `{"app":"other"}`}, "InvalidCiphertext")
		dk := run(call, "GenerateDataKey", map[string]string{"KeyId": keyID, "NumberOfBytes": "32"})
		raw, _ := base64.StdEncoding.DecodeString(str(dk["Plaintext"]))
		check(len(raw) == 32, "data key is %d bytes", len(raw))
		back := run(call, "Decrypt", map[string]string{"CiphertextBlob": str(dk["CiphertextBlob"])})
		check(str(back["Plaintext"]) == str(dk["Plaintext"]), "data key round trip")
	}},
	{"secrets", func(c client) {
		call := c.make(accessKey, secretKey)
		name := unique("go-secret")
		run(call, "CreateSecret", map[string]string{"SecretName": name, "SecretData": "v1-value", "VersionId": "v1"})
		if c.typed {
			res, err := teaClient(accessKey, secretKey).GetSecretValue(&kms.GetSecretValueRequest{SecretName: &name})
			check(err == nil && dara.StringValue(res.Body.SecretData) == "v1-value", "typed GetSecretValue: %v", err)
		}
		run(call, "PutSecretValue", map[string]string{"SecretName": name, "SecretData": "v2-value", "VersionId": "v2"})
		v2 := run(call, "GetSecretValue", map[string]string{"SecretName": name})
		check(str(v2["SecretData"]) == "v2-value" && str(v2["VersionId"]) == "v2", "after put: %v", v2)
		versions, _ := path(run(call, "ListSecretVersionIds", map[string]string{"SecretName": name}), "VersionIds", "VersionId").([]any)
		check(len(versions) == 2, "versions: %v", versions)
		deleted := run(call, "DeleteSecret", map[string]string{"SecretName": name, "RecoveryWindowInDays": "7"})
		check(str(deleted["PlannedDeleteTime"]) != "", "DeleteSecret: %v", deleted)
		run(call, "RestoreSecret", map[string]string{"SecretName": name})
		check(str(run(call, "GetSecretValue", map[string]string{"SecretName": name})["SecretData"]) == "v2-value", "restored")
	}},
	{"managed-rotation", func(c client) {
		call := c.make(accessKey, secretKey)
		db := unique("rm")
		if status, _ := control("POST", "rds-instances", map[string]any{"DBInstanceId": db, "Accounts": []any{map[string]string{"AccountName": "app", "AccountPassword": "Initial#1"}}}); status == 404 {
			panic(notBuilt{"no simulated databases"})
		}
		name := unique("go-rds")
		run(call, "CreateSecret", map[string]string{
			"SecretName": name, "SecretType": "Rds", "VersionId": "v1",
			"SecretData":     `{"Accounts":[{"AccountName":"app","AccountPassword":"Initial#1"}]}`,
			"ExtendedConfig": fmt.Sprintf(`{"SecretSubType":"SingleUser","DBInstanceId":"%s"}`, db),
		})
		run(call, "RotateSecret", map[string]string{"SecretName": name, "VersionId": "r1"})
		control("POST", "clock", map[string]string{"advance": "1m"})
		got := run(call, "GetSecretValue", map[string]string{"SecretName": name})
		value := map[string]string{}
		_ = json.Unmarshal([]byte(str(got["SecretData"])), &value)
		check(str(got["VersionId"]) == "r1" && value["AccountPassword"] != "Initial#1", "after rotation: %v", got)
		_, valid := control("POST", "credentials/check", map[string]string{"DBInstanceId": db, "AccountName": "app", "AccountPassword": value["AccountPassword"]})
		check(valid["valid"] == true, "the database does not accept the rotated password")
	}},
	{"seeded-fixture", func(c client) {
		call := c.make(accessKey, secretKey)
		keyID := unique("key-go-seeded")
		secretName := unique("go-seeded")
		status, body := control("POST", "seed", map[string]any{
			"keys":    []any{map[string]any{"keyId": keyID, "aliases": []string{"alias/" + keyID}}},
			"secrets": []any{map[string]any{"secretName": secretName, "versions": []any{map[string]string{"versionId": "v1", "secretData": "seeded"}}}},
		})
		if status == 404 {
			panic(notBuilt{"no seed loading"})
		}
		check(status == 200, "seed: %d %v", status, body)
		check(str(path(run(call, "DescribeKey", map[string]string{"KeyId": "alias/" + keyID}), "KeyMetadata", "KeyId")) == keyID, "seeded key")
		check(str(run(call, "GetSecretValue", map[string]string{"SecretName": secretName})["SecretData"]) == "seeded", "seeded secret")
	}},
}

// classifyPanic turns a row's panic into its status and a one-line detail.
func classifyPanic(p any) (string, string) {
	var nb notBuilt
	var sk skipped
	var ok passed
	err, _ := p.(error)
	if err == nil {
		err = fmt.Errorf("%v", p)
	}
	status := "fail"
	switch {
	case errors.As(err, &nb):
		status = "not-built-yet"
	case errors.As(err, &sk):
		status = "skipped"
	case errors.As(err, &ok):
		status = "pass"
	}
	return status, strings.SplitN(err.Error(), "\n", 2)[0]
}

func main() {
	clients := []client{
		{name: "go alibaba-cloud-sdk-go (V1)", make: v1},
		{name: "go kms-20160120 v3 (V3)", make: v3, typed: true},
	}
	var results []result
	for _, c := range clients {
		for _, row := range rows {
			r := result{Client: c.name, Row: row.name, Status: "pass"}
			func() {
				defer func() {
					if p := recover(); p != nil {
						r.Status, r.Detail = classifyPanic(p)
					}
				}()
				row.fn(c)
			}()
			fmt.Printf("%-13s %s · %s %s\n", r.Status, c.name, row.name, r.Detail)
			results = append(results, r)
		}
	}
	results = append(results, runSecretsManagerRows()...)
	out, _ := json.MarshalIndent(results, "", "  ")
	if path := os.Getenv("CONFORMANCE_OUT"); path != "" {
		_ = os.WriteFile(path, out, 0o644)
	} else {
		fmt.Println(string(out))
	}
}
