// Rows for aliyun-secretsmanager-client-go, the Secrets Manager cache client (GetSecretValue only).
// It signs with alibaba-cloud-sdk-go (RPC V1), always over HTTPS, and skips certificate checks
// itself (SetHTTPSInsecure(true)), so it is pointed at the emulator's TLS listener. Fixtures it
// cannot create (secrets, rotations) are made through the V1 helper caller.
package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	sdkerrors "github.com/aliyun/alibaba-cloud-sdk-go/sdk/errors"
	smsdk "github.com/aliyun/aliyun-secretsmanager-client-go/sdk"
	"github.com/aliyun/aliyun-secretsmanager-client-go/sdk/logger"
	"github.com/aliyun/aliyun-secretsmanager-client-go/sdk/models"
	"github.com/aliyun/aliyun-secretsmanager-client-go/sdk/service"
)

const smClientName = "go aliyun-secretsmanager-client-go"

var httpsEndpoint = env("KMS_HTTPS_ENDPOINT", "")

// quietLogger replaces the client's stdout logger: its errors surface as row details, and its
// log lines would otherwise interleave with the suite's output.
type quietLogger struct{}

func (quietLogger) Flush()                {}
func (quietLogger) Tracef(string, ...any) {}
func (quietLogger) Infof(string, ...any)  {}
func (quietLogger) Debugf(string, ...any) {}
func (quietLogger) Warnf(string, ...any)  {}
func (quietLogger) Errorf(string, ...any) {}

var _ logger.Wrapper = quietLogger{}

func cacheClient(ak, sk string) *smsdk.SecretManagerCacheClient {
	if httpsEndpoint == "" {
		panic(skipped{"KMS_HTTPS_ENDPOINT is not set (this client only speaks HTTPS)"})
	}
	client, err := smsdk.NewSecretCacheClientBuilder(
		service.NewDefaultSecretManagerClientBuilder().Standard().
			WithAccessKey(ak, sk).
			AddRegionInfo(models.NewRegionInfoWithEndpoint("cn-hangzhou", httpsEndpoint)).
			Build(),
	).WithLogger(quietLogger{}).Build()
	check(err == nil, "building the cache client: %v", err)
	return client
}

func smRead(client *smsdk.SecretManagerCacheClient, name string) *models.SecretInfo {
	info, err := client.GetSecretInfo(name)
	check(err == nil, "GetSecretInfo(%s): %v", name, err)
	return info
}

// smExpectCode reads name, expects one of codes with the given HTTP status, and returns
// "Code (HTTP n)" for the row's detail.
func smExpectCode(client *smsdk.SecretManagerCacheClient, name string, status int, codes ...string) string {
	info, err := client.GetSecretInfo(name)
	want := strings.Join(codes, " or ")
	check(err != nil, "GetSecretInfo(%s) succeeded (value %q); expected %s", name, secretValue(info), want)
	var server *sdkerrors.ServerError
	if !errors.As(err, &server) {
		panic(fmt.Errorf("GetSecretInfo(%s): expected %s, got a client-side error: %v", name, want, err))
	}
	got := server.ErrorCode()
	if got == "UnsupportedOperation" {
		panic(notBuilt{"GetSecretValue not implemented yet"})
	}
	for _, code := range codes {
		if got == code {
			check(server.HttpStatus() == status, "GetSecretInfo(%s): %s with HTTP %d, expected HTTP %d (RequestId %s)", name, got, server.HttpStatus(), status, server.RequestId())
			return fmt.Sprintf("%s (HTTP %d)", got, status)
		}
	}
	panic(fmt.Errorf("GetSecretInfo(%s): expected %s, got %s HTTP %d (RequestId %s): %s", name, want, got, server.HttpStatus(), server.RequestId(), server.Message()))
}

func secretValue(info *models.SecretInfo) string {
	if info == nil {
		return ""
	}
	return info.SecretValue
}

var smRows = []struct {
	name string
	fn   func() string
}{
	{"errors", func() string {
		good := cacheClient(accessKey, secretKey)
		defer good.Close()
		notes := []string{"unknown secret: " + smExpectCode(good, unique("go-sm-missing"), 404, "Forbidden.ResourceNotFound")}
		wrong := cacheClient(accessKey, secretKey+"-wrong")
		defer wrong.Close()
		notes = append(notes, "wrong secret: "+smExpectCode(wrong, "go-sm-any", 400, "SignatureDoesNotMatch", "InvalidAccessKeySecret"))
		unknown := cacheClient("LTAIUnknownGoSmKey", secretKey)
		defer unknown.Close()
		notes = append(notes, "unknown AK: "+smExpectCode(unknown, "go-sm-any", 404, "InvalidAccessKeyId.NotFound"))
		return strings.Join(notes, "; ") + " (over HTTPS)"
	}},
	{"secrets", func() string {
		name := unique("go-sm-generic")
		value := `{"user":"app","password":"Go#Sm-1","note":"read through the cache client"}`
		run(v1(accessKey, secretKey), "CreateSecret", map[string]string{"SecretName": name, "SecretData": value, "VersionId": "v1"})
		client := cacheClient(accessKey, secretKey)
		defer client.Close()
		info := smRead(client, name)
		check(info.SecretValue == value, "SecretValue %q", info.SecretValue)
		check(info.SecretName == name, "SecretName %q", info.SecretName)
		check(info.VersionId == "v1", "VersionId %q", info.VersionId)
		check(info.SecretType == "Generic", "SecretType %q", info.SecretType)
		check(info.SecretDataType == "text", "SecretDataType %q", info.SecretDataType)
		str, err := client.GetStringValue(name)
		check(err == nil && str == value, "GetStringValue: %q %v", str, err)
		return "read a generic secret (v1) over HTTPS through the cache client"
	}},
	{"managed-rotation", func() string {
		call := v1(accessKey, secretKey)
		db := unique("rm-gosm")
		if status, _ := control("POST", "rds-instances", map[string]any{"DBInstanceId": db, "Accounts": []any{map[string]string{"AccountName": "app", "AccountPassword": "Initial#1"}}}); status == 404 {
			panic(notBuilt{"no simulated databases"})
		}
		name := unique("go-sm-rds")
		run(call, "CreateSecret", map[string]string{
			"SecretName": name, "SecretType": "Rds", "VersionId": "v1",
			"SecretData":     `{"Accounts":[{"AccountName":"app","AccountPassword":"Initial#1"}]}`,
			"ExtendedConfig": fmt.Sprintf(`{"SecretSubType":"SingleUser","DBInstanceId":"%s"}`, db),
		})
		client := cacheClient(accessKey, secretKey)
		defer client.Close()
		first := smRead(client, name)
		check(first.SecretType == "Rds", "SecretType %q", first.SecretType)
		initial := map[string]any{}
		check(json.Unmarshal([]byte(first.SecretValue), &initial) == nil && initial["AccountPassword"] == "Initial#1", "first read: %q", first.SecretValue)
		extended := map[string]any{}
		check(json.Unmarshal([]byte(first.ExtendedConfig), &extended) == nil, "ExtendedConfig is not a JSON string: %q", first.ExtendedConfig)
		check(extended["DBInstanceId"] == db, "ExtendedConfig.DBInstanceId %v", extended["DBInstanceId"])
		run(call, "RotateSecret", map[string]string{"SecretName": name, "VersionId": "r2"})
		control("POST", "clock", map[string]string{"advance": "1m"})
		cached := smRead(client, name)
		check(cached.VersionId == first.VersionId, "before a refresh the cache should serve %s, served %s", first.VersionId, cached.VersionId)
		ok, err := client.RefreshNow(name)
		check(err == nil && ok, "RefreshNow: %v %v", ok, err)
		fresh := smRead(client, name)
		check(fresh.VersionId == "r2", "after RefreshNow: version %q", fresh.VersionId)
		value := map[string]any{}
		_ = json.Unmarshal([]byte(fresh.SecretValue), &value)
		password := str(value["AccountPassword"])
		check(password != "" && password != "Initial#1", "the password did not change: %q", fresh.SecretValue)
		check(str(run(call, "GetSecretValue", map[string]string{"SecretName": name})["SecretData"]) == fresh.SecretValue, "the refreshed value differs from GetSecretValue's")
		_, valid := control("POST", "credentials/check", map[string]string{"DBInstanceId": db, "AccountName": "app", "AccountPassword": password})
		check(valid["valid"] == true, "the database does not accept the refreshed password")
		return fmt.Sprintf("cache served %s until RefreshNow, then r2 (accepted by the database)", first.VersionId)
	}},
	{"seeded-fixture", func() string {
		name := unique("go-sm-seeded")
		status, body := control("POST", "seed", map[string]any{
			"secrets": []any{map[string]any{"secretName": name, "versions": []any{map[string]string{"versionId": "s1", "secretData": "seeded for go"}}}},
		})
		check(status == 200, "seed: %d %v", status, body)
		client := cacheClient(accessKey, secretKey)
		defer client.Close()
		info := smRead(client, name)
		check(info.SecretValue == "seeded for go" && info.VersionId == "s1", "seeded secret: %+v", info)
		return "read seeded secret " + name
	}},
}

func runSecretsManagerRows() []result {
	var out []result
	for _, row := range append([]string{"service", "instances", "keys", "crypto", "asymmetric-sign", "asymmetric-encrypt", "mac"}, typedRowNames...) {
		out = append(out, result{Client: smClientName, Row: row, Status: "skipped", Detail: "the client offers GetSecretValue only"})
	}
	out = append(out, result{Client: smClientName, Row: "instance-openapi", Status: "skipped",
		Detail: "a secrets cache on the V1 SDK: never pointed at the instance endpoint"})
	out = append(out, result{Client: smClientName, Row: "typed-denied", Status: "skipped", Detail: "the client offers GetSecretValue only"})
	for _, row := range smRows {
		r := result{Client: smClientName, Row: row.name, Status: "pass"}
		func() {
			defer func() {
				if p := recover(); p != nil {
					r.Status, r.Detail = classifyPanic(p)
				}
			}()
			r.Detail = row.fn()
		}()
		fmt.Printf("%-13s %s · %s %s\n", r.Status, smClientName, row.name, r.Detail)
		out = append(out, r)
	}
	return out
}
