// tlsrecipe: the README's Go TLS recipe, run by test/sdk/tls-recipes.sh. A typed Tea client calls
// DescribeRegions over https with no CA in its config, so the system trust (SSL_CERT_FILE) decides.
// Usage: SSL_CERT_FILE=$(kms-emulator ca --state S) go run ./tlsrecipe 127.0.0.1:8443
package main

import (
	"fmt"
	"os"

	openapi "github.com/alibabacloud-go/darabonba-openapi/v2/client"
	kms "github.com/alibabacloud-go/kms-20160120/v3/client"
	"github.com/alibabacloud-go/tea/dara"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: tlsrecipe HOST:PORT")
		os.Exit(2)
	}
	client, err := kms.NewClient(&openapi.Config{
		AccessKeyId:     dara.String("LTAIEmulatorAccessKeyId"),
		AccessKeySecret: dara.String("EmulatorAccessKeySecret"),
		Endpoint:        dara.String(os.Args[1]),
		Protocol:        dara.String("https"),
		RegionId:        dara.String("cn-hangzhou"),
	})
	if err == nil {
		var res *kms.DescribeRegionsResponse
		res, err = client.DescribeRegions()
		if err == nil {
			fmt.Printf("go: verified, %d regions\n", len(res.Body.Regions.Region))
			return
		}
	}
	fmt.Fprintf(os.Stderr, "go: %v\n", err)
	os.Exit(1)
}
