#!/usr/bin/env bash
# Java conformance suite: versions pinned in pom.xml; compiles once, then runs the matrix.
set -euo pipefail
cd "$(dirname "$0")"
command -v mvn >/dev/null 2>&1 && command -v java >/dev/null 2>&1 || exit 3
if [ ! -f target/classpath.txt ] || [ pom.xml -nt target/classpath.txt ] || [ -n "$(find src -newer target/classpath.txt -name '*.java' 2>/dev/null)" ]; then
  mvn -q -B compile dependency:build-classpath -Dmdep.outputFile=target/classpath.txt >/dev/null
fi
# aliyun-java-sdk-core keeps one HTTP client per JVM, built with the first client's TLS settings, so
# the Secrets Manager client's own "ignore certificates" does not apply once another client ran:
# trust the emulator's certificate instead, as an application would.
JAVA_OPTS=()
if [ -n "${KMS_EMULATOR_URL:-}" ] && curl -sf "$KMS_EMULATOR_URL/_emulator/tls-certificate" -o target/emulator.pem; then
  rm -f target/truststore.p12
  keytool -importcert -noprompt -alias kms-emulator -file target/emulator.pem \
    -keystore target/truststore.p12 -storetype PKCS12 -storepass changeit >/dev/null 2>&1
  JAVA_OPTS=(-Djavax.net.ssl.trustStore=target/truststore.p12 -Djavax.net.ssl.trustStorePassword=changeit -Djavax.net.ssl.trustStoreType=PKCS12)
fi
java "${JAVA_OPTS[@]}" -cp "target/classes:$(cat target/classpath.txt)" conformance.Main
# The instance-openapi row in a JVM of its own: it reaches the instance endpoint by its host name
# (kst-….cryptoservice.kms.aliyuncs.com), which it adds to this hosts file (InstanceOpenApiRow.java).
printf '127.0.0.1 localhost\n::1 localhost\n' >target/instance-hosts
exec java -Djdk.net.hosts.file=target/instance-hosts -cp "target/classes:$(cat target/classpath.txt)" conformance.InstanceOpenApiRow
