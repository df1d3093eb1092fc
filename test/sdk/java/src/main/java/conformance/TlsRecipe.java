package conformance;

import com.aliyun.kms20160120.Client;
import com.aliyun.kms20160120.models.DescribeRegionsResponse;
import com.aliyun.teaopenapi.models.Config;

/**
 * The README's Java TLS recipe, run by test/sdk/tls-recipes.sh: the typed Tea client calls
 * DescribeRegions over https with no CA in its config, so the JVM's trust store decides
 * (-Djavax.net.ssl.trustStore=emulator.p12 made by keytool from `kms-emulator ca`).
 * Usage: java -Djavax.net.ssl.trustStore=... -cp ... conformance.TlsRecipe 127.0.0.1:8443
 */
public final class TlsRecipe {
  private TlsRecipe() {}

  public static void main(String[] args) throws Exception {
    Config config = new Config()
        .setAccessKeyId("LTAIEmulatorAccessKeyId")
        .setAccessKeySecret("EmulatorAccessKeySecret")
        .setEndpoint(args[0])
        .setProtocol("https")
        .setRegionId("cn-hangzhou");
    try {
      DescribeRegionsResponse res = new Client(config).describeRegions();
      System.out.println("java: verified, " + res.getBody().getRegions().getRegion().size() + " regions");
    } catch (Exception e) {
      System.err.println("java: " + e);
      System.exit(1);
    }
  }
}
