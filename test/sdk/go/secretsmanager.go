// Rows for aliyun-secretsmanager-client-go, the Secrets Manager cache client (GetSecretValue only).
// It signs with alibaba-cloud-sdk-go (RPC V1), always over HTTPS, and skips certificate checks
// itself (SetHTTPSInsecure(true)), so it is pointed at the emulator's TLS listener. Fixtures it
// cannot create (secrets, rotations) are made through the V1 helper caller.
package main

import (
	"encoding/json"
	"fmt"
	"strings"

	smsdk "github.com/aliyun/aliyun-secretsmanager-client-go/sdk"
	"github.com/aliyun/aliyun-secretsmanager-client-go/sdk/models"
	"github.com/aliyun/aliyun-secretsmanager-client-go/sdk/service"
)

const smClientName = "go aliyun-secretsmanager-client-go"

var httpsEndpoint = env("KMS_HTTPS_ENDPOINT", "")

func cacheClient(ak, sk string) *smsdk.SecretManagerCacheClient {
	if httpsEndpoint == "" {
		panic(skipped{"KMS_HTTPS_ENDPOINT is not set (this client only speaks HTTPS)"})
	}
	client, err := smsdk.NewSecretCacheClientBuilder(
		service.NewDefaultSecretManagerClientBuilder().Standard().
			WithAccessKey(ak, sk).
			AddRegionInfo(models.NewRegionInfoWithEndpoint("cn-hangzhou", httpsEndpoint)).
			Build(),
	).Build()
	check(err == nil, "building the cache client: %v", err)
	return client
}

func smRead(client *smsdk.SecretManagerCacheClient, name string) *models.SecretInfo {
	info, err := client.GetSecretInfo(name)
	check(err == nil, "GetSecretInfo(%s): %v", name, err)
	return info
}

func smExpectCode(client *smsdk.SecretManagerCacheClient, name string, codes ...string) string {
	_, err := client.GetSecretInfo(name)
	check(err != nil, "GetSecretInfo(%s) succeeded; expected %s", name, strings.Join(codes, " or "))
	got := errorCode(err)
	for _, code := range codes {
		if got == code {
			return got
		}
	}
	panic(fmt.Errorf("GetSecretInfo(%s): expected %s, got %q (%v)", name, strings.Join(codes, " or "), got, err))
}

var smRows = []struct {
	name string
	fn   func() string
}{
	{"errors", func() string {
		good := cacheClient(accessKey, secretKey)
		defer good.Close()
		notes := []string{"unknown secret: " + smExpectCode(good, unique("go-sm-missing"), "Forbidden.ResourceNotFound")}
		wrong := cacheClient(accessKey, secretKey+"-wrong")
		defer wrong.Close()
		notes = append(notes, "wrong secret: "+smExpectCode(wrong, "go-sm-any", "SignatureDoesNotMatch", "InvalidAccessKeySecret"))
		unknown := cacheClient("LTAIUnknownGoSmKey", secretKey)
		defer unknown.Close()
		notes = append(notes, "unknown AK: "+smExpectCode(unknown, "go-sm-any", "InvalidAccessKeyId.NotFound"))
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
		check(strings.HasPrefix(first.ExtendedConfig, "{"), "ExtendedConfig is not a JSON string: %q", first.ExtendedConfig)
		run(call, "RotateSecret", map[string]string{"SecretName": name, "VersionId": "r2"})
		control("POST", "clock", map[string]string{"advance": "1m"})
		cached := smRead(client, name)
		check(cached.VersionId == first.VersionId, "before a refresh the cache should serve %s, served %s", first.VersionId, cached.VersionId)
		ok, err := client.RefreshNow(name)
		check(err == nil && ok, "RefreshNow: %v %v", ok, err)
		fresh := smRead(client, name)
		check(fresh.VersionId == "r2", "after RefreshNow: version %q", fresh.VersionId)
		value := map[string]string{}
		_ = json.Unmarshal([]byte(fresh.SecretValue), &value)
		check(value["AccountPassword"] != "" && value["AccountPassword"] != "Initial#1", "the password did not change: %q", fresh.SecretValue)
		_, valid := control("POST", "credentials/check", map[string]string{"DBInstanceId": db, "AccountName": "app", "AccountPassword": value["AccountPassword"]})
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
	for _, row := range []string{"service", "instances", "keys", "crypto"} {
		out = append(out, result{Client: smClientName, Row: row, Status: "skipped", Detail: "the client offers GetSecretValue only"})
	}
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
