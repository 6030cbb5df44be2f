# librdkafka's mock Kafka cluster for the streaming tests (tests/helpers/kafka-mock.ts): a producer created with
# test.mock.num.brokers hosts the brokers inside this process. Prints the bootstrap list (one line,
# host:port,host:port,…) from the cluster's own metadata, then stays alive until stdin closes or it is killed.
# Topics are auto-created on first use with the mock's default of 4 partitions (librdkafka 2.0 has no setting).
# Run with Debian's /usr/bin/python3 and python3-confluent-kafka.
import sys

from confluent_kafka import Producer

brokers = int(sys.argv[1]) if len(sys.argv) > 1 else 3
producer = Producer({'test.mock.num.brokers': brokers, 'client.id': 'appwatch-kafka-mock', 'log_level': 3})
metadata = producer.list_topics(timeout=10)
print(','.join(f'{b.host}:{b.port}' for b in sorted(metadata.brokers.values(), key=lambda b: b.id)), flush=True)
try:
    sys.stdin.read()
except KeyboardInterrupt:
    pass
