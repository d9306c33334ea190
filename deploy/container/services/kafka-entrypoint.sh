#!/bin/sh
# Starts one Kafka node (KRaft, broker + controller) from the environment.
#
# Every KAFKA_* variable except KAFKA_HEAP_OPTS becomes a server property, written after the
# single-node defaults below so it wins: the name loses its KAFKA_ prefix, is lower-cased,
# `___` becomes `-`, `__` becomes `_` and `_` becomes `.` (KAFKA_ADVERTISED_LISTENERS →
# advertised.listeners), the convention of the Apache Kafka image. The one variable almost
# every use needs is KAFKA_ADVERTISED_LISTENERS: the address clients reach, for example
# PLAINTEXT://127.0.0.1:39092 when the container's 9092 is published on host port 39092.
# CLUSTER_ID names the cluster (random when unset); the data directory is formatted once.
set -eu

home=/var/lib/kafka
conf="$home/server.properties"
classpath='/opt/kafka/libs/*'
jvm="${KAFKA_HEAP_OPTS:--Xms256m -Xmx512m} -Dlog4j2.configurationFile=/opt/kafka/log4j2.properties"

{
  echo 'process.roles=broker,controller'
  echo 'node.id=1'
  echo 'controller.quorum.voters=1@127.0.0.1:9093'
  echo 'listeners=PLAINTEXT://0.0.0.0:9092,CONTROLLER://127.0.0.1:9093'
  echo 'advertised.listeners=PLAINTEXT://127.0.0.1:9092'
  echo 'controller.listener.names=CONTROLLER'
  echo 'inter.broker.listener.name=PLAINTEXT'
  echo 'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT'
  echo "log.dirs=$home/data"
  echo 'num.partitions=1'
  echo 'offsets.topic.replication.factor=1'
  echo 'offsets.topic.num.partitions=1'
  echo 'transaction.state.log.replication.factor=1'
  echo 'transaction.state.log.min.isr=1'
  echo 'transaction.state.log.num.partitions=1'
  echo 'share.coordinator.state.topic.replication.factor=1'
  echo 'share.coordinator.state.topic.min.isr=1'
  echo 'group.initial.rebalance.delay.ms=0'
  env | grep '^KAFKA_' | grep -v '^KAFKA_HEAP_OPTS=' | while IFS='=' read -r name value; do
    key=$(printf '%s' "${name#KAFKA_}" | tr 'A-Z' 'a-z' | sed -e 's/___/-/g' -e 's/__/@/g' -e 's/_/./g' -e 's/@/_/g')
    printf '%s=%s\n' "$key" "$value"
  done
} > "$conf"

if [ ! -f "$home/data/meta.properties" ]; then
  # shellcheck disable=SC2086 # $jvm is a list of JVM options
  id="${CLUSTER_ID:-$(java $jvm -cp "$classpath" kafka.tools.StorageTool random-uuid | tail -n 1)}"
  # shellcheck disable=SC2086
  java $jvm -cp "$classpath" kafka.tools.StorageTool format -t "$id" -c "$conf" --ignore-formatted
fi
# shellcheck disable=SC2086
exec java $jvm -cp "$classpath" kafka.Kafka "$conf"
