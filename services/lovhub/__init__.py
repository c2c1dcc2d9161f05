"""lovhub: the consent-aware data-sharing hub between a public employment service and its
LOV providers. The package is organised by responsibility:

- ``codec``: Avro schemas and the wire formats (single-object encoding, Confluent framing).
- ``identity``: validation of personal ids and organisation numbers.
- ``kafka``: client construction from settings (the only place that knows about SASL).
- ``provisioning``: the topics, principals and ACLs the hub needs, as code.
- ``devbroker``: a real single-node Apache Kafka broker from Maven jars, for local use.
- ``cli``: the ``lovhub`` command, a thin shell over the packages above.
"""

__version__ = "0.1.0"
