package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/alibabacloud-go/tea/tea"
	"github.com/aliyun/alibaba-cloud-sdk-go/sdk"
	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/requests"
	dedicatedkmsopenapi "github.com/aliyun/alibabacloud-dkms-gcs-go-sdk/openapi"
	smsdk "github.com/aliyun/aliyun-secretsmanager-client-go/sdk"
	"github.com/aliyun/aliyun-secretsmanager-client-go/sdk/models"
	"github.com/aliyun/aliyun-secretsmanager-client-go/sdk/service"
)

// quietLogger keeps the Secrets Manager client's log lines out of the JSON output.
type quietLogger struct{}

func (quietLogger) Flush()                {}
func (quietLogger) Tracef(string, ...any) {}
func (quietLogger) Infof(string, ...any)  {}
func (quietLogger) Debugf(string, ...any) {}
func (quietLogger) Warnf(string, ...any)  {}
func (quietLogger) Errorf(string, ...any) {}

// secretsManagerClientKeyMode reads and refreshes a secret with aliyun-secretsmanager-client-go in
// ClientKey (DKMS) mode: through the gateway, trusting the instance CA.
func secretsManagerClientKeyMode() (string, error) {
	ca, err := os.ReadFile(w.CaFile)
	if err != nil {
		return "", err
	}
	dkms := &models.DkmsConfig{
		Config: &dedicatedkmsopenapi.Config{
			RegionId:      tea.String("cn-hangzhou"),
			Protocol:      tea.String("https"),
			ClientKeyFile: tea.String(w.ClientKeys["app"]),
			Password:      tea.String(w.Password),
			Endpoint:      tea.String(w.Gateway),
		},
		CaCert: string(ca),
	}
	client, err := smsdk.NewSecretCacheClientBuilder(
		service.NewDefaultSecretManagerClientBuilder().Standard().AddDkmsConfig(dkms).Build(),
	).WithLogger(quietLogger{}).Build()
	if err != nil {
		return "", err
	}
	info, err := client.GetSecretInfo(w.SecretName)
	if err != nil {
		return "", fmt.Errorf("GetSecretInfo through the gateway: %w", err)
	}
	if info.SecretValue != w.SecretValue {
		return "", fmt.Errorf("value %q", info.SecretValue)
	}
	// A new version through the OpenAPI; RefreshNow reads it through the gateway.
	openapi, err := sdk.NewClientWithAccessKey("cn-hangzhou", "LTAIEmulatorAccessKeyId", "EmulatorAccessKeySecret")
	if err != nil {
		return "", err
	}
	req := requests.NewCommonRequest()
	req.Method = "POST"
	req.Scheme = "http"
	req.Domain = strings.TrimPrefix(w.ControlURL, "http://")
	req.Version = "2016-01-20"
	req.ApiName = "PutSecretValue"
	req.QueryParams["SecretName"] = w.SecretName
	req.QueryParams["SecretData"] = "s3cret-go-v2"
	req.QueryParams["VersionId"] = "go-v2"
	if _, err := openapi.ProcessCommonRequest(req); err != nil {
		return "", fmt.Errorf("PutSecretValue: %w", err)
	}
	if ok, err := client.RefreshNow(w.SecretName); err != nil || !ok {
		return "", fmt.Errorf("RefreshNow: %v %v", ok, err)
	}
	refreshed, err := client.GetSecretInfo(w.SecretName)
	if err != nil {
		return "", err
	}
	if refreshed.SecretValue != "s3cret-go-v2" {
		return "", fmt.Errorf("after RefreshNow: %q", refreshed.SecretValue)
	}
	return refreshed.VersionId, nil
}
