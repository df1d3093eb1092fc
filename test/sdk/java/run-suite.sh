#!/usr/bin/env bash
# Java conformance suite: versions pinned in pom.xml; compiles once, then runs the matrix.
set -euo pipefail
cd "$(dirname "$0")"
command -v mvn >/dev/null 2>&1 && command -v java >/dev/null 2>&1 || exit 3
if [ ! -f target/classpath.txt ] || [ pom.xml -nt target/classpath.txt ] || [ -n "$(find src -newer target/classpath.txt -name '*.java' 2>/dev/null)" ]; then
  mvn -q -B compile dependency:build-classpath -Dmdep.outputFile=target/classpath.txt >/dev/null
fi
exec java -cp "target/classes:$(cat target/classpath.txt)" conformance.Main
