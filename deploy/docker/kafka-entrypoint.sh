#!/usr/bin/env bash
# Entrypoint for the apache/kafka image in deploy/docker-compose.yml (single-node KRaft, SCRAM).
#
# Why not the image's own entrypoint: /etc/kafka/docker/run renders server.properties from the
# KAFKA_* variables and formats the storage in one step (KafkaDockerWrapper setup), with no way
# to pass `--add-scram`. In KRaft the SCRAM credentials live in the metadata log, so a broker
# formatted without them has no user that can log in on a SCRAM-only listener. This script does
# the same steps itself, using only the distribution's own bin/ scripts:
#
#   1. render server.properties from the KAFKA_* environment with the image's naming rule
#      (KAFKA_ dropped, lower case, "_" -> ".", "__" -> "_", "___" -> "-"), then add the two
#      login configurations that carry secrets (they never go through the environment):
#      - the inter-broker listener logs in to itself with SCRAM as the admin principal;
#      - the controller listener uses SASL PLAIN (SCRAM cannot work there: the controller serves
#        the metadata log that holds the SCRAM credentials) with a static principal,
#        lovhub-controller, whose password is made up afresh on every start: only this broker
#        process ever uses it. Both principals are super users; there is no unauthenticated
#        listener, so ANONYMOUS is never one;
#   2. the storage tool's `format --ignore-formatted --add-scram ...` for the admin principal
#      (a no-op when the volume is already formatted), its arguments read from a 0600 file so
#      the password is never on a command line;
#   3. exec kafka-server-start.sh.
#
# This is the same security set-up as `lovhub dev up` (services/lovhub/devbroker/config.py).
#
#   kafka-entrypoint.sh [start]      steps 1-3
#   kafka-entrypoint.sh render       step 1 only (inspect the configuration, tests)
#   kafka-entrypoint.sh healthcheck  logs in as the admin over SCRAM: "healthy" means the broker
#                                    serves requests and the SCRAM credentials are loaded, which
#                                    is what `lovhub admin init` needs
#
# Only the admin is created here: it is the one principal needed before anything else can log
# in. The hub worker's principal is created (and its password kept in step with
# LOVHUB_HUB_PASSWORD) by `lovhub admin init`, like every other principal.
#
# The admin password comes from LOVHUB_ADMIN_PASSWORD, deliberately not a KAFKA_* variable:
# every KAFKA_* variable is copied into server.properties as it is. It is written to the metadata
# log only when the storage is first formatted; changing the variable later has no effect on an
# existing volume (and breaks the inter-broker login). Change it with
#   kafka-configs.sh --alter --entity-type users --entity-name lovhub-admin \
#     --add-config 'SCRAM-SHA-512=[password=NEW]'
# then set LOVHUB_ADMIN_PASSWORD to NEW and restart, or start from scratch with
# `docker compose down -v`.
set -euo pipefail

kafka_bin=${LOVHUB_KAFKA_BIN:-/opt/kafka/bin}
config_dir=${LOVHUB_KAFKA_CONFIG_DIR:-/opt/kafka/config}
server_config="$config_dir/server.properties"
healthcheck_config="$config_dir/lovhub-healthcheck.properties"

admin_user=${LOVHUB_ADMIN_PRINCIPAL:-lovhub-admin}
controller_user=${LOVHUB_CONTROLLER_PRINCIPAL:-lovhub-controller}
healthcheck_bootstrap=${LOVHUB_HEALTHCHECK_BOOTSTRAP:-localhost:9092}

# Variables that configure the JVM or the scripts, never the broker (the image's own list, plus
# a few the scripts read).
excluded_vars=" KAFKA_VERSION KAFKA_HEAP_OPTS KAFKA_LOG4J_OPTS KAFKA_OPTS KAFKA_JMX_OPTS \
KAFKA_JVM_PERFORMANCE_OPTS KAFKA_GC_LOG_OPTS KAFKA_LOG4J_ROOT_LOGLEVEL KAFKA_LOG4J_LOGGERS \
KAFKA_TOOLS_LOG4J_LOGLEVEL KAFKA_JMX_HOSTNAME KAFKA_JMX_PORT KAFKA_DEBUG KAFKA_HOME "

die() {
  echo "kafka-entrypoint: $*" >&2
  exit 64
}

# A secret ends up inside `--add-scram 'SCRAM-SHA-512=[name=...,password=...]'` (split on commas
# by Kafka's parser) and inside a JAAS string in double quotes: refuse what breaks either.
check_secret() {
  local name=$1 value=$2
  [[ -n $value ]] || die "$name is empty"
  case $value in
    *,* | *\"* | *\\* | *";"* | *[[:space:]]*)
      die "$name must not contain commas, semicolons, double quotes, backslashes or whitespace"
      ;;
  esac
}

# The value of a property already written to server.properties (empty when absent).
prop() {
  sed -n "s/^${1//./\\.}=//p" "$server_config" | tail -n 1
}

render_properties() {
  local var key inter_broker controller controller_password
  mkdir -p "$config_dir"
  : >"$server_config"
  while IFS= read -r var; do
    [[ $var == KAFKA_* ]] || continue
    [[ $excluded_vars == *" $var "* ]] && continue
    key=${var#KAFKA_}
    key=${key,,}
    key=${key//_/.}
    key=${key//.../-}
    key=${key//../_}
    printf '%s=%s\n' "$key" "${!var}" >>"$server_config"
  done < <(compgen -e | LC_ALL=C sort)
  [[ -n $(prop process.roles) ]] || die "KAFKA_PROCESS_ROLES is not set"
  [[ -n $(prop log.dirs) ]] || die "KAFKA_LOG_DIRS is not set"

  inter_broker=$(prop inter.broker.listener.name)
  if [[ -n $inter_broker && $(prop sasl.mechanism.inter.broker.protocol) == SCRAM-SHA-512 ]]; then
    printf '%s=%s\n' "listener.name.${inter_broker,,}.scram-sha-512.sasl.jaas.config" \
      "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"$admin_user\" password=\"$LOVHUB_ADMIN_PASSWORD\";" \
      >>"$server_config"
  fi
  controller=$(prop controller.listener.names)
  controller=${controller%%,*}
  if [[ -n $controller && $(prop sasl.mechanism.controller.protocol) == PLAIN ]]; then
    controller_password=$(od -An -tx1 -N24 /dev/urandom | tr -d ' \n')
    printf '%s=%s\n' "listener.name.${controller,,}.plain.sasl.jaas.config" \
      "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"$controller_user\" password=\"$controller_password\" user_$controller_user=\"$controller_password\";" \
      >>"$server_config"
  fi
  chmod 600 "$server_config"
}

write_healthcheck_config() {
  (
    umask 077
    cat >"$healthcheck_config" <<EOF
security.protocol=SASL_PLAINTEXT
sasl.mechanism=SCRAM-SHA-512
sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="$admin_user" password="$LOVHUB_ADMIN_PASSWORD";
EOF
  )
}

format_storage() {
  local log_dir
  log_dir=$(prop log.dirs)
  if [[ -f "${log_dir%%,*}/meta.properties" ]]; then
    echo "kafka-entrypoint: $log_dir is already formatted; LOVHUB_ADMIN_PASSWORD is only" \
      "written on first format (see the header of this script)."
  fi
  # kafka-storage.sh takes the admin's SCRAM credential only as an argument (--add-scram), and
  # a process's arguments are readable by every process in the container (ps,
  # /proc/<pid>/cmdline). So the tool's arguments go into a 0600 java argument file instead,
  # written by the printf builtin (no process of its own), which the java launcher expands
  # before the JVM starts (kafka-run-class.sh puts "$@" before the main class), and which is
  # removed as soon as the format ends. The values are quote-safe: check_secret refuses quotes,
  # backslashes and whitespace.
  local argfile status=0
  argfile=$(umask 077 && mktemp)
  printf '"%s"\n' kafka.tools.StorageTool format \
    --ignore-formatted \
    --cluster-id "$CLUSTER_ID" \
    --config "$server_config" \
    --add-scram "SCRAM-SHA-512=[name=$admin_user,password=$LOVHUB_ADMIN_PASSWORD]" >"$argfile"
  "$kafka_bin/kafka-run-class.sh" "@$argfile" || status=$?
  rm -f "$argfile"
  return "$status"
}

render() {
  check_secret LOVHUB_ADMIN_PASSWORD "${LOVHUB_ADMIN_PASSWORD:-}"
  render_properties
  write_healthcheck_config
}

start() {
  [[ -n ${CLUSTER_ID:-} ]] || die "CLUSTER_ID is not set (kafka-storage.sh random-uuid makes one)"
  render
  format_storage
  echo "kafka-entrypoint: starting the broker"
  exec "$kafka_bin/kafka-server-start.sh" "$server_config"
}

healthcheck() {
  [[ -f $healthcheck_config ]] || exit 1
  # A small heap for the probe's own JVM, whatever the broker was given.
  KAFKA_HEAP_OPTS="-Xmx128m" "$kafka_bin/kafka-broker-api-versions.sh" \
    --bootstrap-server "$healthcheck_bootstrap" \
    --command-config "$healthcheck_config" >/dev/null
}

case "${1:-start}" in
  start) start ;;
  render) render ;;
  healthcheck) healthcheck ;;
  *) die "usage: $0 [start|render|healthcheck]" ;;
esac
