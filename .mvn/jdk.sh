# Sourced by ./mvnw and ./rawpoll: makes JAVA_HOME a JDK 25 or newer, found by itself.
# Keeps JAVA_HOME when it already is one; otherwise takes the newest JDK >= 25 among the usual
# install places. Prints one line and returns 1 when there is none.
rawpoll_jdk_feature() { # the feature version of the JDK at $1, or 0
  sed -n 's/^JAVA_VERSION="\{0,1\}\([0-9]*\).*/\1/p' "$1/release" 2>/dev/null | head -n 1 | grep . || echo 0
}
rawpoll_find_jdk() {
  if [ -n "${JAVA_HOME:-}" ] && [ "$(rawpoll_jdk_feature "$JAVA_HOME")" -ge 25 ]; then
    return 0
  fi
  rawpoll_best="" rawpoll_best_feature=0 rawpoll_noglob=""
  case $- in *f*) rawpoll_noglob=1; set +f ;; esac # ./mvnw runs with set -f
  for rawpoll_home in /usr/lib/jvm/* /usr/java/* /opt/* /opt/*/* \
      /Library/Java/JavaVirtualMachines/*/Contents/Home \
      "${HOME:-/nonexistent}"/.sdkman/candidates/java/* "${HOME:-/nonexistent}"/.jdks/*; do
    [ -x "$rawpoll_home/bin/java" ] || continue
    rawpoll_feature=$(rawpoll_jdk_feature "$rawpoll_home")
    if [ "$rawpoll_feature" -ge 25 ] && [ "$rawpoll_feature" -gt "$rawpoll_best_feature" ]; then
      rawpoll_best=$rawpoll_home rawpoll_best_feature=$rawpoll_feature
    fi
  done
  if [ -n "$rawpoll_noglob" ]; then set -f; fi
  if [ -z "$rawpoll_best" ]; then
    echo "rawpoll needs JDK 25 or newer: install one (e.g. Temurin 25 into /usr/lib/jvm) or set JAVA_HOME to it." >&2
    return 1
  fi
  JAVA_HOME=$rawpoll_best
  export JAVA_HOME
}
rawpoll_find_jdk || return 1 # the caller's `|| exit 1` stops it: a sourced file ends with its last command's status otherwise
# Maven 3.9's own Guice calls sun.misc.Unsafe, which JDK 24+ warns about on every build: not
# rawpoll's to fix, so allow it for the Maven JVM only (the option exists on JDK 23+ only, so it is
# set here, where the JDK is known to be 25 or newer, never in .mvn/jvm.config).
case " ${MAVEN_OPTS:-} " in
  *--sun-misc-unsafe-memory-access=*) ;;
  *) MAVEN_OPTS="${MAVEN_OPTS:+$MAVEN_OPTS }--sun-misc-unsafe-memory-access=allow"; export MAVEN_OPTS ;;
esac
