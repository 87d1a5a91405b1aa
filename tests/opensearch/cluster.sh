#!/usr/bin/env bash
# A real OpenSearch cluster on 127.0.0.1 for Berita's tests and benchmarks, built only from
# Maven Central artifacts (resolved by mvn into ~/.m2, so later runs are offline and quick).
#
#   bash tests/opensearch/cluster.sh start DIR [NODES]   start NODES (default 3) nodes, wait for
#                                                         green, print each node's HTTP URL
#   bash tests/opensearch/cluster.sh stop DIR            stop them (SIGTERM, then SIGKILL)
#   bash tests/opensearch/cluster.sh restart DIR N       (re)start node N with its ports and data
#                                                         (after a kill -9), wait until it joined
#   bash tests/opensearch/cluster.sh urls DIR            print the HTTP URLs of DIR's live nodes
#   bash tests/opensearch/cluster.sh resolve             only resolve the artifacts (for CI)
#   bash tests/opensearch/cluster.sh check               exit 3, saying why, if Java 21+ or mvn is
#                                                         missing (tests skip then), else 0
#
# Stdout carries only the URLs, one per line; progress and errors go to stderr. Node N keeps its
# pid in DIR/node-N.pid and its config, data and logs under DIR/node-N/.
#
# Why it is built this way: OpenSearch is not packaged for Debian and nothing may be downloaded
# outside the package registries, so the "distribution" is assembled from its Maven artifacts:
# the server jar's dependency closure as lib/, and each module (transport, analysis, painless,
# mapper-extras, reindex) as a module directory holding its jars and a plugin descriptor
# (Maven Central has the jars, not the descriptors). OpenSearch refuses to run as root, and CI
# and these machines run as root: there each node runs in a user namespace of its own where it
# is an ordinary user (`unshare --user`, no privilege needed, files stay root's outside).
# OpenSearch 3.x replaces the Security Manager by a Java agent that is not on Maven Central; the
# node runs without it (its policy is then not enforced, as in a test JVM).
#
# Environment: BERITA_OPENSEARCH_JAVA_HOME (a JDK 21+; default: JAVA_HOME if 21+, else Temurin
# 25 in /usr/lib/jvm), BERITA_OPENSEARCH_HEAP (default 512m), BERITA_OPENSEARCH_TIMEOUT (seconds
# to wait for green, default 240), BERITA_OPENSEARCH_CACHE (where the assembled distribution
# lives, default ~/.cache/berita-opensearch).
set -euo pipefail

readonly OPENSEARCH_VERSION=3.9.0
readonly LOG4J_VERSION=2.25.5 # the log4j-api version opensearch 3.9.0 depends on
HEAP=${BERITA_OPENSEARCH_HEAP:-512m}
TIMEOUT=${BERITA_OPENSEARCH_TIMEOUT:-240}
CACHE=${BERITA_OPENSEARCH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/berita-opensearch}
OS_HOME="$CACHE/$OPENSEARCH_VERSION"

# module directory : groupId:artifactId : plugin class : extended plugins
readonly MODULES=(
  "transport-netty4:org.opensearch.plugin:transport-netty4-client:org.opensearch.transport.Netty4ModulePlugin:"
  "lang-painless:org.opensearch.plugin:lang-painless:org.opensearch.painless.PainlessModulePlugin:"
  "analysis-common:org.opensearch.plugin:analysis-common:org.opensearch.analysis.common.CommonAnalysisModulePlugin:lang-painless"
  "mapper-extras:org.opensearch.plugin:mapper-extras-client:org.opensearch.index.mapper.MapperExtrasModulePlugin:"
  "reindex:org.opensearch.plugin:reindex-client:org.opensearch.index.reindex.ReindexModulePlugin:"
)

log() { printf 'cluster.sh: %s\n' "$*" >&2; }
STARTING="" # the DIR whose nodes `start` launched: stopped again if the start fails
die() {
  log "error: $*"
  if [ -n "$STARTING" ]; then
    local dir=$STARTING
    STARTING=""
    log "stopping the nodes this start launched"
    cmd_stop "$dir" || true
  fi
  exit 1
}

java_major() { # prints the major version of the java binary $1, or 0
  "$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p' | cut -d. -f1 || echo 0
}

as_user() { # sets AS_USER: the command prefix that runs a node as an ordinary user
  AS_USER=()
  [ "$(id -u)" -eq 0 ] || return 0
  command -v unshare >/dev/null 2>&1 || die "running as root: OpenSearch refuses root and unshare (util-linux) is missing"
  unshare --user --map-user=65534 --map-group=65534 true 2>/dev/null \
    || die "running as root: OpenSearch refuses root, and this kernel does not allow a user namespace (unshare --user) to run it as another user"
  AS_USER=(unshare --user --map-user=65534 --map-group=65534)
}

missing_tool() { # prints why a cluster cannot be run here (no JDK 21+, no mvn, ...), or nothing
  (find_java) >/dev/null 2>&1 || {
    echo "no Java 21 or newer (OpenSearch $OPENSEARCH_VERSION needs it; set BERITA_OPENSEARCH_JAVA_HOME)"
    return 0
  }
  if [ ! -f "$OS_HOME/.complete" ] && ! command -v mvn >/dev/null 2>&1; then
    echo "no mvn (Maven), which fetches OpenSearch from Maven Central"
    return 0
  fi
  command -v curl >/dev/null 2>&1 || echo "no curl"
  command -v python3 >/dev/null 2>&1 || echo "no python3"
  command -v setsid >/dev/null 2>&1 || echo "no setsid (util-linux)"
}

find_java() { # sets JAVA to a JDK 21+ java binary
  local candidates=() c
  [ -n "${BERITA_OPENSEARCH_JAVA_HOME:-}" ] && candidates+=("$BERITA_OPENSEARCH_JAVA_HOME/bin/java")
  [ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME/bin/java")
  candidates+=(/usr/lib/jvm/temurin-25-jdk-amd64/bin/java)
  for c in /usr/lib/jvm/*/bin/java; do candidates+=("$c"); done
  command -v java >/dev/null 2>&1 && candidates+=("$(command -v java)")
  for c in "${candidates[@]}"; do
    if [ -x "$c" ] && [ "$(java_major "$c")" -ge 21 ]; then
      JAVA=$c
      return 0
    fi
  done
  die "OpenSearch $OPENSEARCH_VERSION needs Java 21 or newer; none found (set BERITA_OPENSEARCH_JAVA_HOME)"
}

write_pom() { # write_pom FILE ARTIFACT_ID DEPENDENCIES_XML
  cat >"$1" <<EOF
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>berita.opensearch</groupId>
  <artifactId>$2</artifactId>
  <version>1</version>
  <packaging>jar</packaging>
  <dependencies>$3</dependencies>
</project>
EOF
}

dep() { # dep GROUP ARTIFACT VERSION [EXCLUSIONS_XML]
  printf '<dependency><groupId>%s</groupId><artifactId>%s</artifactId><version>%s</version>%s</dependency>' \
    "$1" "$2" "$3" "${4:-}"
}

classpath_of() { # classpath_of POM_DIR: resolve with mvn, print one jar path a line
  (cd "$1" && mvn -q -B dependency:build-classpath -Dmdep.outputFile=classpath.txt >mvn.log 2>&1) \
    || { tail -n 30 "$1/mvn.log" >&2; die "mvn could not resolve the artifacts in $1 (see above)"; }
  { tr ':' '\n' <"$1/classpath.txt" && echo; } | grep -v '^$'
}

assemble() { # build $OS_HOME (lib/, modules/) from Maven Central through mvn, once
  [ -f "$OS_HOME/.complete" ] && return 0
  command -v mvn >/dev/null 2>&1 || die "mvn (Maven) is needed to fetch OpenSearch from Maven Central; not found"
  mkdir -p "$CACHE"
  exec 9>"$CACHE/.lock"
  flock 9
  if [ -f "$OS_HOME/.complete" ]; then
    exec 9>&-
    return 0
  fi
  log "assembling OpenSearch $OPENSEARCH_VERSION from Maven Central into $OS_HOME (mvn, first run only)"
  local build="$OS_HOME.build" entry name ga cls ext group artifact jar
  rm -rf "$build" "$OS_HOME"
  mkdir -p "$build/poms/lib" "$build/lib" "$build/modules" "$build/plugins" "$build/bin"
  write_pom "$build/poms/lib/pom.xml" lib \
    "$(dep org.opensearch opensearch "$OPENSEARCH_VERSION")$(dep org.opensearch opensearch-agent-bootstrap "$OPENSEARCH_VERSION")$(dep org.opensearch opensearch-plugin-classloader "$OPENSEARCH_VERSION")$(dep org.apache.logging.log4j log4j-core "$LOG4J_VERSION")"
  classpath_of "$build/poms/lib" >"$build/lib.txt"
  while read -r jar; do ln -s "$jar" "$build/lib/"; done <"$build/lib.txt"
  for entry in "${MODULES[@]}"; do
    IFS=: read -r name group artifact cls ext <<<"$entry"
    mkdir -p "$build/poms/$name" "$build/modules/$name"
    write_pom "$build/poms/$name/pom.xml" "$name" "$(dep "$group" "$artifact" "$OPENSEARCH_VERSION")"
    # a module holds its own closure minus what the server already has on the classpath
    # (duplicates are "jar hell" to OpenSearch), and no native QUIC builds for other platforms
    classpath_of "$build/poms/$name" | grep -vxF -f "$build/lib.txt" | grep -vE -- '-(osx|windows|linux-aarch_64)[^/]*\.jar$' |
      while read -r jar; do ln -s "$jar" "$build/modules/$name/"; done
    cat >"$build/modules/$name/plugin-descriptor.properties" <<EOF
description=$name module, assembled from $group:$artifact:$OPENSEARCH_VERSION
version=$OPENSEARCH_VERSION
name=$name
classname=$cls
java.version=21
opensearch.version=$OPENSEARCH_VERSION
extended.plugins=$ext
has.native.controller=false
EOF
  done
  touch "$build/.complete"
  mv "$build" "$OS_HOME"
  exec 9>&-
}

check_assembled() { # the symlinks point into ~/.m2: re-assemble if it was cleaned
  local link
  for link in "$OS_HOME"/lib/*.jar "$OS_HOME"/modules/*/*.jar; do
    if [ ! -e "$link" ]; then
      log "$link is gone from the Maven cache; assembling again"
      rm -f "$OS_HOME/.complete"
      assemble
      return 0
    fi
  done
}

free_ports() { # free_ports COUNT: COUNT distinct free loopback ports, one a line
  python3 - "$1" <<'EOF'
import socket, sys
held = []
for _ in range(int(sys.argv[1])):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    held.append(s)
print("\n".join(str(s.getsockname()[1]) for s in held))
EOF
}

port_free() { # port_free PORT: true if nothing listens on 127.0.0.1:PORT
  python3 - "$1" <<'EOF'
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
try:
    s.bind(("127.0.0.1", int(sys.argv[1])))
except OSError:
    sys.exit(1)
EOF
}

node_alive() { # node_alive DIR N: true if DIR/node-N.pid names a running node of DIR
  local pidfile="$1/node-$2.pid" pid
  [ -f "$pidfile" ] || return 1
  pid=$(cat "$pidfile")
  [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] || return 1
  # the pid may have been reused by another program: it must be this node's JVM
  tr '\0' '\n' <"/proc/$pid/cmdline" | grep -qxF -- "-Dopensearch.path.conf=$1/node-$2/config"
}

node_count() { cat "$1/cluster/nodes"; }
http_port() { cat "$1/node-$2/http.port"; }
transport_port() { cat "$1/node-$2/transport.port"; }

tail_logs() { # tail_logs DIR [N]: the end of each (or node N's) log, on stderr
  local f
  for f in "$1"/node-${2:-*}/logs/console.log; do
    [ -f "$f" ] || continue
    printf '\n----- %s (last 40 lines) -----\n' "$f" >&2
    tail -n 40 "$f" >&2
  done
}

write_node_config() { # write_node_config DIR N NODES
  local dir=$1 n=$2 nodes=$3 conf="$1/node-$2/config" seeds="" managers="" i
  for ((i = 1; i <= nodes; i++)); do
    seeds+="${seeds:+,}\"127.0.0.1:$(transport_port "$dir" "$i")\""
    managers+="${managers:+,}\"node-$i\""
  done
  mkdir -p "$conf" "$dir/node-$n/data" "$dir/node-$n/logs" "$dir/node-$n/tmp"
  {
    echo "cluster.name: $(cat "$dir/cluster/name")"
    echo "node.name: node-$n"
    echo "path.data: $dir/node-$n/data"
    echo "path.logs: $dir/node-$n/logs"
    echo "network.host: 127.0.0.1"
    echo "http.port: $(http_port "$dir" "$n")"
    echo "transport.port: $(transport_port "$dir" "$n")"
    if [ "$nodes" -eq 1 ]; then
      echo "discovery.type: single-node"
    else
      echo "discovery.seed_hosts: [$seeds]"
      echo "cluster.initial_cluster_manager_nodes: [$managers]"
    fi
    # a test machine's disk may be nearly full: never refuse to allocate shards for that
    echo "cluster.routing.allocation.disk.threshold_enabled: false"
    echo "bootstrap.memory_lock: false"
    echo "bootstrap.system_call_filter: false"
    echo "action.destructive_requires_name: false"
  } >"$conf/opensearch.yml"
  cat >"$conf/log4j2.properties" <<'EOF'
status = error
appender.console.type = Console
appender.console.name = console
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = [%d{ISO8601}][%-5p][%-25c{1.}] [%node_name]%marker %m%n
rootLogger.level = info
rootLogger.appenderRef.console.ref = console
EOF
}

launch_node() { # launch_node DIR N: start node N's JVM in the background, record its pid
  local dir=$1 n=$2 home="$OS_HOME" pid
  local conf="$dir/node-$n/config"
  printf '===== cluster.sh starts node-%s at %s =====\n' "$n" "$(date -u +%FT%TZ)" >>"$dir/node-$n/logs/console.log"
  (
    cd "$dir/node-$n"
    exec setsid "${AS_USER[@]}" "$JAVA" \
      -Xms"$HEAP" -Xmx"$HEAP" -Xss1m \
      -XX:+UseG1GC -XX:G1ReservePercent=25 -XX:InitiatingHeapOccupancyPercent=30 \
      -XX:-HeapDumpOnOutOfMemoryError -XX:ErrorFile="$dir/node-$n/logs/hs_err_pid%p.log" \
      -Djava.io.tmpdir="$dir/node-$n/tmp" \
      -Dfile.encoding=UTF-8 -Djava.awt.headless=true -Djna.nosys=true \
      -Dlog4j2.formatMsgNoLookups=true -Dlog4j.shutdownHookEnabled=false -Dlog4j2.disable.jmx=true \
      -Dio.netty.noUnsafe=true -Dio.netty.noKeySetOptimization=true \
      -Dio.netty.recycler.maxCapacityPerThread=0 -Dio.netty.allocator.numDirectArenas=0 \
      -Dorg.apache.lucene.store.MMapDirectory.sharedArenaMaxPermits=1 \
      --add-modules=jdk.incubator.vector --enable-native-access=ALL-UNNAMED \
      -Dopensearch.path.home="$home" -Dopensearch.path.conf="$conf" \
      -Dopensearch.distribution.type=tar -Dopensearch.bundled_jdk=false \
      -cp "$home/lib/*" org.opensearch.bootstrap.OpenSearch
  ) </dev/null >>"$dir/node-$n/logs/console.log" 2>&1 &
  pid=$!
  echo "$pid" >"$dir/node-$n.pid"
  # the pid is the subshell's until it has exec'd the JVM (the same process): wait for that, so
  # that node_alive never mistakes a node that is still starting for a dead one
  for _ in $(seq 100); do
    node_alive "$dir" "$n" && return 0
    [ -d "/proc/$pid" ] || return 0 # died already: the waiting caller reports it with the log
    sleep 0.1
  done
  die "node-$n (pid $pid) did not exec java within 10s"
}

health() { # health URL QUERY: the _cluster/health JSON, or nothing
  curl -s --max-time 10 "$1/_cluster/health?$2" 2>/dev/null || true
}

wait_for() { # wait_for DIR WHAT DEADLINE: poll until WHAT (green|joined:N) or die
  local dir=$1 what=$2 deadline=$3 nodes i url body
  nodes=$(node_count "$dir")
  while :; do
    for ((i = 1; i <= nodes; i++)); do
      if [ -f "$dir/node-$i.pid" ] && ! node_alive "$dir" "$i"; then
        tail_logs "$dir" "$i"
        die "node-$i (pid $(cat "$dir/node-$i.pid")) exited while starting; its log is above ($dir/node-$i/logs/console.log)"
      fi
    done
    for ((i = 1; i <= nodes; i++)); do
      node_alive "$dir" "$i" || continue
      url="http://127.0.0.1:$(http_port "$dir" "$i")"
      if [ "$what" = green ]; then
        body=$(health "$url" "wait_for_status=green&wait_for_nodes=$nodes&timeout=5s")
        if [[ $body == *'"status":"green"'* && $body == *"\"number_of_nodes\":$nodes,"* ]]; then
          return 0
        fi
      else
        body=$(health "$url" "wait_for_nodes=$nodes&timeout=5s")
        [[ $body == *"\"number_of_nodes\":$nodes,"* ]] && return 0
      fi
      break
    done
    if [ "$(date +%s)" -ge "$deadline" ]; then
      tail_logs "$dir"
      die "the cluster in $dir did not reach '$what' within ${TIMEOUT}s (last health: ${body:-no answer}); node logs above"
    fi
    sleep 1
  done
}

print_urls() { # print_urls DIR: the HTTP URL of each live node
  local dir=$1 i nodes
  nodes=$(node_count "$dir")
  for ((i = 1; i <= nodes; i++)); do
    node_alive "$dir" "$i" && echo "http://127.0.0.1:$(http_port "$dir" "$i")"
  done
  return 0
}

cmd_start() {
  local dir nodes=${2:-3} i started ports
  [[ $nodes =~ ^[1-9][0-9]*$ ]] || die "NODES must be a positive number, not '$nodes'"
  mkdir -p "$1"
  dir=$(cd "$1" && pwd)
  if [ -f "$dir/cluster/nodes" ]; then
    for ((i = 1; i <= $(node_count "$dir"); i++)); do
      node_alive "$dir" "$i" && die "node-$i of $dir is running (pid $(cat "$dir/node-$i.pid")); stop it first: $0 stop $dir"
    done
    [ "$(node_count "$dir")" -eq "$nodes" ] \
      || die "$dir holds a cluster of $(node_count "$dir") nodes, not $nodes; remove $dir or use another DIR"
  fi
  find_java
  as_user
  command -v curl >/dev/null 2>&1 || die "curl is needed to wait for the cluster; not found"
  assemble
  check_assembled
  mkdir -p "$dir/cluster"
  echo "$nodes" >"$dir/cluster/nodes"
  # a name of its own, so that a node never joins another cluster that took over old ports
  [ -s "$dir/cluster/name" ] || echo "berita-test-$(od -An -N4 -tx4 /dev/urandom | tr -d ' ')" >"$dir/cluster/name"
  # fresh ports each start: the data keeps the nodes' identities, discovery uses the new seeds
  mapfile -t ports < <(free_ports $((2 * nodes)))
  for ((i = 1; i <= nodes; i++)); do
    mkdir -p "$dir/node-$i"
    echo "${ports[$((2 * i - 2))]}" >"$dir/node-$i/http.port"
    echo "${ports[$((2 * i - 1))]}" >"$dir/node-$i/transport.port"
  done
  for ((i = 1; i <= nodes; i++)); do write_node_config "$dir" "$i" "$nodes"; done
  started=$(date +%s)
  STARTING=$dir
  log "starting $nodes OpenSearch $OPENSEARCH_VERSION nodes in $dir (java: $JAVA, heap $HEAP)"
  for ((i = 1; i <= nodes; i++)); do
    launch_node "$dir" "$i"
    # two cores: let each JVM get through its start before the next competes for the CPU
    stagger_until_listening "$dir" "$i" $((started + TIMEOUT))
  done
  wait_for "$dir" green $((started + TIMEOUT))
  STARTING=""
  log "cluster green with $nodes nodes after $(($(date +%s) - started))s"
  print_urls "$dir"
}

stagger_until_listening() { # wait (at most 60s, or the deadline) for node N's transport port
  # The transport port opens once the node is built (the slow, CPU-bound part of a start); the
  # HTTP port only after the node joined a cluster, which needs a quorum of the others.
  local dir=$1 n=$2 deadline=$3 limit port
  port=$(transport_port "$dir" "$n")
  limit=$(($(date +%s) + 60))
  [ "$limit" -lt "$deadline" ] || limit=$deadline
  while [ "$(date +%s)" -lt "$limit" ]; do
    node_alive "$dir" "$n" || return 0 # wait_for reports the death with the log
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
    sleep 0.5
  done
}

cmd_stop() {
  local dir i nodes pid deadline
  [ -d "$1" ] || die "no such directory: $1"
  dir=$(cd "$1" && pwd)
  [ -f "$dir/cluster/nodes" ] || die "$dir holds no cluster started by this script"
  nodes=$(node_count "$dir")
  for ((i = 1; i <= nodes; i++)); do
    node_alive "$dir" "$i" && kill -TERM "$(cat "$dir/node-$i.pid")" 2>/dev/null || true
  done
  deadline=$(($(date +%s) + 60))
  for ((i = 1; i <= nodes; i++)); do
    while node_alive "$dir" "$i"; do
      pid=$(cat "$dir/node-$i.pid")
      if [ "$(date +%s)" -ge "$deadline" ]; then
        log "node-$i (pid $pid) did not stop within 60s; killing it"
        kill -KILL "$pid" 2>/dev/null || true
        sleep 1
      else
        sleep 0.5
      fi
    done
    rm -f "$dir/node-$i.pid"
  done
  log "stopped the cluster in $dir"
}

cmd_restart() {
  local dir n=$2 nodes started pid
  [ -d "$1" ] || die "no such directory: $1"
  dir=$(cd "$1" && pwd)
  [ -f "$dir/cluster/nodes" ] || die "$dir holds no cluster started by this script"
  nodes=$(node_count "$dir")
  [[ $n =~ ^[0-9]+$ ]] && [ "$n" -ge 1 ] && [ "$n" -le "$nodes" ] || die "N must be between 1 and $nodes, not '$n'"
  find_java
  as_user
  assemble
  check_assembled
  if node_alive "$dir" "$n"; then
    pid=$(cat "$dir/node-$n.pid")
    kill -TERM "$pid"
    for _ in $(seq 120); do node_alive "$dir" "$n" || break; sleep 0.5; done
    node_alive "$dir" "$n" && { kill -KILL "$pid"; sleep 1; }
  fi
  port_free "$(http_port "$dir" "$n")" || die "node-$n's HTTP port $(http_port "$dir" "$n") is taken by another program"
  port_free "$(transport_port "$dir" "$n")" || die "node-$n's transport port $(transport_port "$dir" "$n") is taken by another program"
  started=$(date +%s)
  launch_node "$dir" "$n"
  wait_for "$dir" "joined" $((started + TIMEOUT))
  log "node-$n rejoined after $(($(date +%s) - started))s"
  echo "http://127.0.0.1:$(http_port "$dir" "$n")"
}

cmd_urls() {
  local dir
  [ -f "$1/cluster/nodes" ] || die "$1 holds no cluster started by this script"
  dir=$(cd "$1" && pwd)
  print_urls "$dir"
}

usage() {
  sed -n '4,13p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

case "${1:-}" in
  start) [ $# -ge 2 ] && [ $# -le 3 ] || usage; cmd_start "$2" "${3:-3}" ;;
  stop) [ $# -eq 2 ] || usage; cmd_stop "$2" ;;
  restart) [ $# -eq 3 ] || usage; cmd_restart "$2" "$3" ;;
  urls) [ $# -eq 2 ] || usage; cmd_urls "$2" ;;
  check)
    [ $# -eq 1 ] || usage
    why=$(missing_tool)
    [ -z "$why" ] || { log "cannot run OpenSearch here: $why"; exit 3; }
    ;;
  resolve) [ $# -eq 1 ] || usage; assemble; check_assembled; log "OpenSearch $OPENSEARCH_VERSION assembled in $OS_HOME" ;;
  *) usage ;;
esac
