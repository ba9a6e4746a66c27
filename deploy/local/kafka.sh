#!/usr/bin/env bash
# Single-node Apache Kafka broker (KRaft, combined broker+controller) for local
# development and CI, built from Maven Central jars so that it needs neither
# Docker nor a downloaded Kafka tarball: only `java` (17+) and `mvn`.
#
# Usage: deploy/local/kafka.sh COMMAND [ARGS...]
#   install                 resolve the Kafka jars into the cache (idempotent)
#   start                   install if needed, format storage, start, wait until ready
#   stop                    SIGTERM, then SIGKILL after ISPM_KAFKA_STOP_TIMEOUT seconds
#   restart                 stop, then start keeping the data
#   status                  print state and bootstrap address; exit 0 only if running
#   bootstrap               print 127.0.0.1:<port>
#   topics ARGS...          Kafka's TopicCommand
#   console-producer ARGS.. Kafka's ConsoleProducer
#   console-consumer ARGS.. Kafka's ConsoleConsumer
#   consumer-groups ARGS... Kafka's ConsumerGroupCommand
#   run-class CLASS ARGS... any main class on the Kafka classpath
#   The client commands add `--bootstrap-server 127.0.0.1:<port>` when the
#   arguments name no bootstrap server.
#
# Environment (all optional):
#   KAFKA_VERSION                  Kafka release from Maven Central (default 4.4.0)
#   ISPM_LOG4J_VERSION             log4j2 version for the logging backend (default 2.26.1)
#   ISPM_SLF4J_VERSION             slf4j-api version pinned over Kafka's own (default 2.0.17)
#   ISPM_KAFKA_HOME                cache for jars and data (default $HOME/.cache/ispm/kafka)
#   ISPM_KAFKA_M2_REPO             Maven local repository used by install (default: Maven's own, ~/.m2/repository)
#   ISPM_KAFKA_PORT                PLAINTEXT listener port (default 19092)
#   ISPM_KAFKA_CONTROLLER_PORT     KRaft CONTROLLER listener port (default 19093)
#   ISPM_KAFKA_DATA                data dir (default $ISPM_KAFKA_HOME/data-<port>)
#   ISPM_KAFKA_PID_FILE            pid file (default <data dir>/broker.pid)
#   ISPM_KAFKA_KEEP_DATA=1         start reuses existing data instead of wiping it
#   ISPM_KAFKA_START_TIMEOUT       seconds to wait for readiness (default 90)
#   ISPM_KAFKA_STOP_TIMEOUT        seconds between SIGTERM and SIGKILL (default 30)
#   ISPM_KAFKA_AUTO_CREATE_TOPICS  auto.create.topics.enable (default false)
#   ISPM_KAFKA_EXTRA_PROPERTIES    extra server.properties lines, appended last so they win
#   ISPM_KAFKA_HEAP_OPTS           broker heap (default "-Xms256m -Xmx512m")
#   ISPM_KAFKA_JVM_OPTS            extra broker JVM options
#   ISPM_KAFKA_TOOL_OPTS           JVM options of the CLI tools (default tuned for fast startup)
#
# Logs: <data dir>/logs/server.log (broker log4j2 output), <data dir>/logs/stdout.log
# (JVM stdout/stderr), <data dir>/logs/gc.log. The CLI tools log warnings to stderr.
set -euo pipefail

KAFKA_VERSION="${KAFKA_VERSION:-4.4.0}"
LOG4J_VERSION="${ISPM_LOG4J_VERSION:-2.26.1}"
SLF4J_VERSION="${ISPM_SLF4J_VERSION:-2.0.17}"
# Pinned so that install does not depend on Maven's default (2.8 in Maven 3.8).
DEPENDENCY_PLUGIN="org.apache.maven.plugins:maven-dependency-plugin:3.8.1"

# The broker runs from its data dir, so every path it is given must be absolute.
abs_path() {
  case "$1" in
    /*) printf '%s\n' "$1" ;;
    *) printf '%s\n' "$PWD/$1" ;;
  esac
}

CACHE_DIR="$(abs_path "${ISPM_KAFKA_HOME:-$HOME/.cache/ispm/kafka}")"
HOST=127.0.0.1
PORT="${ISPM_KAFKA_PORT:-19092}"
CONTROLLER_PORT="${ISPM_KAFKA_CONTROLLER_PORT:-19093}"
BOOTSTRAP="$HOST:$PORT"
DATA_DIR="$(abs_path "${ISPM_KAFKA_DATA:-$CACHE_DIR/data-$PORT}")"
PID_FILE="$(abs_path "${ISPM_KAFKA_PID_FILE:-$DATA_DIR/broker.pid}")"
LOG_DIR="$DATA_DIR/logs"
START_TIMEOUT="${ISPM_KAFKA_START_TIMEOUT:-90}"
STOP_TIMEOUT="${ISPM_KAFKA_STOP_TIMEOUT:-30}"

INSTALL_DIR="$CACHE_DIR/kafka-$KAFKA_VERSION"
LIB_DIR="$INSTALL_DIR/libs"
CONF_DIR="$INSTALL_DIR/config"
CLASS_INDEX="$INSTALL_DIR/classes.txt"
MARKER="$INSTALL_DIR/.installed"
MARKER_CONTENT="kafka=$KAFKA_VERSION log4j=$LOG4J_VERSION slf4j=$SLF4J_VERSION"
# Only a dir carrying this file is ever wiped, so a mistyped ISPM_KAFKA_DATA
# cannot delete someone's files.
DATA_MARKER=".ispm-kafka-data"

# The tools are short-lived, so C1-only JIT and serial GC pay off: `topics
# --version` took 0.55 s instead of 0.7 s on a 2-core machine.
TOOL_OPTS="${ISPM_KAFKA_TOOL_OPTS:--Xmx512m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xshare:auto -Djava.awt.headless=true}"

log() { printf 'kafka.sh: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

check_java() {
  command -v java >/dev/null || die "java not found (Kafka $KAFKA_VERSION needs Java 17+)"
  local ver major
  ver="$(java -version 2>&1 | sed -n 's/.*version "\([^"]*\)".*/\1/p' | head -n1)"
  major="${ver%%.*}"
  [[ "$major" == 1 ]] && major="$(echo "$ver" | cut -d. -f2)"
  [[ "$major" =~ ^[0-9]+$ ]] || die "unrecognised java version output: $(java -version 2>&1 | head -n1)"
  (( major >= 17 )) || die "java $ver found, Kafka $KAFKA_VERSION needs Java 17+"
}

is_installed() {
  [[ -f "$MARKER" && "$(cat "$MARKER")" == "$MARKER_CONTENT" ]] && compgen -G "$LIB_DIR/*.jar" >/dev/null
}

write_pom() {
  cat >"$1" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<!-- Generated by deploy/local/kafka.sh: only used to resolve the broker's runtime jars. -->
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>ispm.local</groupId>
  <artifactId>kafka-runtime</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencyManagement>
    <dependencies>
      <!-- Kafka's poms ask for slf4j-api 1.7, which cannot see the slf4j2 log4j
           provider and would silently drop every log line. 2.x keeps the 1.7 API. -->
      <dependency>
        <groupId>org.slf4j</groupId>
        <artifactId>slf4j-api</artifactId>
        <version>$SLF4J_VERSION</version>
      </dependency>
    </dependencies>
  </dependencyManagement>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId><version>$KAFKA_VERSION</version></dependency>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka-tools</artifactId><version>$KAFKA_VERSION</version></dependency>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka-storage</artifactId><version>$KAFKA_VERSION</version></dependency>
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-slf4j2-impl</artifactId><version>$LOG4J_VERSION</version></dependency>
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-core</artifactId><version>$LOG4J_VERSION</version></dependency>
  </dependencies>
</project>
EOF
}

# Lists the main-class candidates once, so later commands can pick the class
# name that this Kafka version uses without opening jars each time.
build_class_index() {
  local dir="$1" out="$2" jar
  : >"$out"
  for jar in "$dir"/kafka*.jar; do
    if command -v unzip >/dev/null; then unzip -Z1 "$jar"; else (cd "$dir" && jar tf "$jar"); fi
  done | grep '\.class$' | grep -v '\$' | sed 's/\.class$//; s#/#.#g' | sort -u >"$out"
}

cmd_install() {
  if is_installed; then
    log "Kafka $KAFKA_VERSION already installed in $INSTALL_DIR"
    return 0
  fi
  check_java
  command -v mvn >/dev/null || die "mvn not found: install Maven (Debian: apt-get install maven)"

  mkdir -p "$INSTALL_DIR"
  # Parallel test processes may all call install on a cold cache.
  exec 9>"$INSTALL_DIR/.lock"
  command -v flock >/dev/null && flock 9
  if is_installed; then
    exec 9>&-
    log "Kafka $KAFKA_VERSION installed by a concurrent run in $INSTALL_DIR"
    return 0
  fi

  local started=$SECONDS work="$INSTALL_DIR/.work"
  rm -rf "$work"
  mkdir -p "$work"
  write_pom "$work/pom.xml"
  log "installing Kafka $KAFKA_VERSION from Maven Central into $INSTALL_DIR"

  local mvn_args=(-B -q -ntp -Dstyle.color=never -f "$work/pom.xml"
    "$DEPENDENCY_PLUGIN:copy-dependencies" -DincludeScope=runtime -DoutputDirectory="$work/libs")
  if [[ -n "${ISPM_KAFKA_M2_REPO:-}" ]]; then
    mvn_args=(-Dmaven.repo.local="$(abs_path "$ISPM_KAFKA_M2_REPO")" "${mvn_args[@]}")
  fi
  if ! mvn "${mvn_args[@]}" >"$work/mvn.log" 2>&1; then
    tail -n 40 "$work/mvn.log" >&2
    die "Maven could not resolve Kafka $KAFKA_VERSION (full log: $work/mvn.log)"
  fi

  build_class_index "$work/libs" "$work/classes.txt"
  grep -qx 'kafka.Kafka' "$work/classes.txt" || die "kafka.Kafka not found in the resolved jars"

  rm -rf "$LIB_DIR"
  mv "$work/libs" "$LIB_DIR"
  mv "$work/classes.txt" "$CLASS_INDEX"
  rm -rf "$work"
  printf '%s\n' "$MARKER_CONTENT" >"$MARKER"
  exec 9>&-
  log "installed $(find "$LIB_DIR" -name '*.jar' | wc -l) jars in $((SECONDS - started))s"
}

ensure_installed() {
  is_installed || cmd_install
  check_java
  write_tools_config
}

# Prints the first of the given classes that the installed jars contain.
pick_class() {
  local c
  for c in "$@"; do
    if grep -qx "$c" "$CLASS_INDEX"; then
      echo "$c"
      return 0
    fi
  done
  die "none of the classes $* found in Kafka $KAFKA_VERSION"
}

# Written through a temp file and rename so that a JVM starting concurrently
# never reads a half-written file.
write_atomic() {
  local dest="$1" tmp
  tmp="$(mktemp "$dest.XXXXXX")"
  cat >"$tmp"
  chmod 644 "$tmp"
  mv -f "$tmp" "$dest"
}

write_tools_config() {
  mkdir -p "$CONF_DIR"
  write_atomic "$CONF_DIR/tools-log4j2.xml" <<'EOF'
<?xml version="1.0" encoding="UTF-8"?>
<!-- CLI tools: warnings only, on stderr, so that stdout carries just the data. -->
<Configuration status="WARN">
  <Appenders>
    <Console name="stderr" target="SYSTEM_ERR">
      <PatternLayout pattern="[%d] %p %m (%c)%n"/>
    </Console>
  </Appenders>
  <Loggers>
    <Root level="WARN"><AppenderRef ref="stderr"/></Root>
  </Loggers>
</Configuration>
EOF
  # The readiness probe must fail fast and retry rather than sit in the
  # AdminClient's default 60 s timeout.
  write_atomic "$CONF_DIR/probe-admin.properties" <<'EOF'
request.timeout.ms=5000
default.api.timeout.ms=10000
EOF
}

# Fills TOOL_CMD with the java command line for a main class.
tool_cmd() {
  # shellcheck disable=SC2206 # option strings are split on purpose
  TOOL_CMD=(java $TOOL_OPTS -Dlog4j2.configurationFile="$CONF_DIR/tools-log4j2.xml"
    -cp "$LIB_DIR/*" "$1")
}

# Runs a client tool in place of this script, adding the local bootstrap
# server unless the caller named one (or asked only for help).
exec_client() {
  local cls="$1" a
  shift
  tool_cmd "$cls"
  for a in "$@"; do
    case "$a" in
      --bootstrap-server | --bootstrap-server=* | --bootstrap-controller | --bootstrap-controller=* | --help | --version)
        exec "${TOOL_CMD[@]}" "$@" ;;
    esac
  done
  exec "${TOOL_CMD[@]}" --bootstrap-server "$BOOTSTRAP" "$@"
}

proc_alive() {
  local state
  [[ -r "/proc/$1/stat" ]] || return 1
  # A broker started by this very shell stays a zombie until reaped, and
  # kill -0 would still report it as alive.
  state="$(sed 's/^.*) \(.\).*/\1/' "/proc/$1/stat" 2>/dev/null)" || return 1
  [[ "$state" != Z ]]
}

is_our_broker() {
  local cmd
  proc_alive "$1" || return 1
  cmd="$(tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null)" || return 1
  [[ "$cmd" == *" kafka.Kafka $DATA_DIR/server.properties"* ]]
}

# Prints the pid of the broker that uses this data dir. Falls back to a /proc
# scan for an exact command line match when the pid file is gone or stale.
running_pid() {
  local pid p
  if [[ -f "$PID_FILE" ]]; then
    pid="$(cat "$PID_FILE" 2>/dev/null || true)"
    if [[ "$pid" =~ ^[0-9]+$ ]] && is_our_broker "$pid"; then
      echo "$pid"
      return 0
    fi
  fi
  for p in /proc/[0-9]*; do
    pid="${p#/proc/}"
    if is_our_broker "$pid"; then
      echo "$pid"
      return 0
    fi
  done
  return 1
}

port_open() {
  timeout 2 bash -c "exec 3<>/dev/tcp/$HOST/$1" 2>/dev/null
}

print_log_tail() {
  local f
  for f in "$LOG_DIR/server.log" "$LOG_DIR/stdout.log"; do
    if [[ -s "$f" ]]; then
      log "---- last lines of $f ----"
      tail -n 40 "$f" >&2
    fi
  done
}

prepare_data_dir() {
  if [[ "${ISPM_KAFKA_KEEP_DATA:-0}" != 1 && -d "$DATA_DIR" ]]; then
    if [[ -f "$DATA_DIR/$DATA_MARKER" ]]; then
      log "wiping $DATA_DIR (set ISPM_KAFKA_KEEP_DATA=1 to keep it)"
      rm -rf "$DATA_DIR"
    elif [[ -n "$(ls -A "$DATA_DIR")" ]]; then
      die "$DATA_DIR is not empty and was not created by this script, so it is not wiped: empty it or set ISPM_KAFKA_DATA"
    fi
  fi
  mkdir -p "$DATA_DIR/kraft" "$LOG_DIR"
  touch "$DATA_DIR/$DATA_MARKER"
}

write_server_config() {
  write_atomic "$DATA_DIR/server.properties" <<EOF
# Generated by deploy/local/kafka.sh on every start, so edits are lost.
process.roles=broker,controller
node.id=1
# A static voter set needs no --standalone/--initial-controllers at format time.
controller.quorum.voters=1@$HOST:$CONTROLLER_PORT
controller.listener.names=CONTROLLER
listeners=PLAINTEXT://$HOST:$PORT,CONTROLLER://$HOST:$CONTROLLER_PORT
advertised.listeners=PLAINTEXT://$HOST:$PORT,CONTROLLER://$HOST:$CONTROLLER_PORT
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$DATA_DIR/kraft
num.partitions=1
# With one broker, every internal topic must fit on it.
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
# Consumer groups form at once instead of waiting 3 s for more members.
group.initial.rebalance.delay.ms=0
# Off by default so that a typo in a topic name fails instead of creating a
# new topic. A producer to a missing topic then blocks until max.block.ms.
auto.create.topics.enable=${ISPM_KAFKA_AUTO_CREATE_TOPICS:-false}
${ISPM_KAFKA_EXTRA_PROPERTIES:-}
EOF
}

write_broker_log_config() {
  write_atomic "$DATA_DIR/log4j2.xml" <<'EOF'
<?xml version="1.0" encoding="UTF-8"?>
<Configuration status="WARN">
  <Appenders>
    <RollingFile name="server" fileName="${sys:kafka.logs.dir}/server.log"
                 filePattern="${sys:kafka.logs.dir}/server.log.%i">
      <PatternLayout pattern="[%d] %p %m (%c)%n"/>
      <SizeBasedTriggeringPolicy size="50 MB"/>
      <DefaultRolloverStrategy max="3"/>
    </RollingFile>
  </Appenders>
  <Loggers>
    <Root level="INFO"><AppenderRef ref="server"/></Root>
    <!-- One line per request at INFO would drown everything else. -->
    <Logger name="kafka.request.logger" level="WARN"/>
  </Loggers>
</Configuration>
EOF
}

format_storage() {
  if [[ -f "$DATA_DIR/kraft/meta.properties" ]]; then
    log "reusing formatted storage in $DATA_DIR/kraft"
    return 0
  fi
  local cluster_id cls
  # Kafka cluster ids are 16 random bytes in unpadded URL-safe base64. An id
  # starting with '-' would be read as an option, so draw again.
  while :; do
    cluster_id="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')"
    [[ "$cluster_id" != -* ]] && break
  done
  cls="$(pick_class kafka.tools.StorageTool org.apache.kafka.tools.StorageTool)"
  tool_cmd "$cls"
  log "formatting KRaft storage in $DATA_DIR/kraft (cluster id $cluster_id)"
  if ! "${TOOL_CMD[@]}" format -t "$cluster_id" -c "$DATA_DIR/server.properties" >"$LOG_DIR/format.log" 2>&1; then
    cat "$LOG_DIR/format.log" >&2
    die "formatting storage failed (log: $LOG_DIR/format.log)"
  fi
}

wait_ready() {
  local pid="$1" deadline=$((SECONDS + START_TIMEOUT)) remaining cls
  cls="$(pick_class org.apache.kafka.tools.TopicCommand kafka.admin.TopicCommand)"
  tool_cmd "$cls"
  while :; do
    if ! proc_alive "$pid"; then
      print_log_tail
      rm -f "$PID_FILE"
      die "broker exited during startup (logs: $LOG_DIR)"
    fi
    remaining=$((deadline - SECONDS))
    # The port opens before the broker has caught up with its metadata, so
    # only a successful API call counts as ready.
    if ((remaining > 0)) && port_open "$PORT" &&
      timeout "$((remaining < 30 ? remaining : 30))" "${TOOL_CMD[@]}" --bootstrap-server "$BOOTSTRAP" \
        --command-config "$CONF_DIR/probe-admin.properties" --list >/dev/null 2>&1; then
      return 0
    fi
    if ((SECONDS >= deadline)); then
      print_log_tail
      log "broker not ready after ${START_TIMEOUT}s; stopping it"
      stop_pid "$pid"
      die "broker not ready after ${START_TIMEOUT}s: check $LOG_DIR/server.log or raise ISPM_KAFKA_START_TIMEOUT"
    fi
    sleep 0.5
  done
}

cmd_start() {
  ensure_installed
  local pid started=$SECONDS
  if pid="$(running_pid)"; then
    log "already running (pid $pid) on $BOOTSTRAP; data left as it is"
    return 0
  fi
  local p
  for p in "$PORT" "$CONTROLLER_PORT"; do
    port_open "$p" && die "port $p on $HOST is already in use by another process: stop it or set ISPM_KAFKA_PORT and ISPM_KAFKA_CONTROLLER_PORT"
  done
  prepare_data_dir
  write_server_config
  write_broker_log_config
  format_storage

  # shellcheck disable=SC2206 # option strings are split on purpose
  local jvm=(${ISPM_KAFKA_HEAP_OPTS:--Xms256m -Xmx512m}
    -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35
    -XX:+ExplicitGCInvokesConcurrent -Djava.awt.headless=true
    "-Xlog:gc*:file=$LOG_DIR/gc.log:time,tags:filecount=3,filesize=10M"
    -Dkafka.logs.dir="$LOG_DIR" -Dlog4j2.configurationFile="$DATA_DIR/log4j2.xml"
    ${ISPM_KAFKA_JVM_OPTS:-})
  log "starting Kafka $KAFKA_VERSION on $BOOTSTRAP (controller $HOST:$CONTROLLER_PORT, data $DATA_DIR)"
  # cd so that crash files (hs_err_pid*.log) land in the data dir. The
  # redirections detach the broker from the caller's pipes, so a caller that
  # captures this script's output is not kept waiting by the broker.
  (cd "$DATA_DIR" && exec nohup java "${jvm[@]}" -cp "$LIB_DIR/*" kafka.Kafka "$DATA_DIR/server.properties" \
    >>"$LOG_DIR/stdout.log" 2>&1 </dev/null 9>&-) &
  pid=$!
  echo "$pid" >"$PID_FILE"
  wait_ready "$pid"
  log "ready on $BOOTSTRAP (pid $pid) after $((SECONDS - started))s; log: $LOG_DIR/server.log"
}

stop_pid() {
  local pid="$1" waited=0
  kill -TERM "$pid" 2>/dev/null || true
  while proc_alive "$pid" && ((waited < STOP_TIMEOUT * 5)); do
    sleep 0.2
    waited=$((waited + 1))
  done
  if proc_alive "$pid"; then
    log "broker (pid $pid) still running after ${STOP_TIMEOUT}s; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    while proc_alive "$pid"; do sleep 0.1; done
  fi
  rm -f "$PID_FILE"
}

cmd_stop() {
  local pid started=$SECONDS
  if ! pid="$(running_pid)"; then
    rm -f "$PID_FILE"
    log "not running"
    return 0
  fi
  log "stopping broker (pid $pid)"
  stop_pid "$pid"
  log "stopped in $((SECONDS - started))s"
}

cmd_status() {
  local pid
  if pid="$(running_pid)"; then
    echo "running pid=$pid bootstrap=$BOOTSTRAP data=$DATA_DIR"
    return 0
  fi
  echo "not running (bootstrap would be $BOOTSTRAP)"
  return 1
}

usage() {
  sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
}

main() {
  local cmd="${1:-}" setting
  for setting in "ISPM_KAFKA_PORT=$PORT" "ISPM_KAFKA_CONTROLLER_PORT=$CONTROLLER_PORT" \
    "ISPM_KAFKA_START_TIMEOUT=$START_TIMEOUT" "ISPM_KAFKA_STOP_TIMEOUT=$STOP_TIMEOUT"; do
    [[ "${setting#*=}" =~ ^[0-9]+$ ]] || die "invalid $setting: expected a whole number"
  done
  [[ $# -gt 0 ]] && shift
  case "$cmd" in
    install) cmd_install ;;
    start) cmd_start ;;
    stop) cmd_stop ;;
    restart)
      cmd_stop
      ISPM_KAFKA_KEEP_DATA=1 cmd_start
      ;;
    status) cmd_status ;;
    bootstrap) echo "$BOOTSTRAP" ;;
    topics)
      ensure_installed
      exec_client "$(pick_class org.apache.kafka.tools.TopicCommand kafka.admin.TopicCommand)" "$@"
      ;;
    console-producer)
      ensure_installed
      exec_client "$(pick_class org.apache.kafka.tools.ConsoleProducer kafka.tools.ConsoleProducer)" "$@"
      ;;
    console-consumer)
      ensure_installed
      exec_client "$(pick_class org.apache.kafka.tools.consumer.ConsoleConsumer kafka.tools.ConsoleConsumer)" "$@"
      ;;
    consumer-groups)
      ensure_installed
      exec_client "$(pick_class org.apache.kafka.tools.consumer.group.ConsumerGroupCommand kafka.admin.ConsumerGroupCommand)" "$@"
      ;;
    run-class)
      [[ $# -ge 1 ]] || die "run-class needs a class name"
      ensure_installed
      tool_cmd "$1"
      shift
      exec "${TOOL_CMD[@]}" "$@"
      ;;
    -h | --help | help) usage ;;
    *)
      usage >&2
      exit 2
      ;;
  esac
}

main "$@"
