#!/usr/bin/python3
"""An outside gRPC client, the way grpcurl works: it knows nothing of hotspot.proto and discovers the API through
server reflection, then calls it with dynamically built messages. Uses Debian's python3-grpcio, python3-protobuf
and protoc (for the reflection and health protos only).

usage: outside_client.py PORT REFLECTION_PROTO HEALTH_PROTO WORKDIR   → prints one JSON object of findings
"""
import json
import os
import shutil
import subprocess
import sys

import grpc
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

port, reflection_proto, health_proto, work = sys.argv[1:5]

# Compile the two standard protos under plain module names (a generated `grpc/` package would shadow grpcio).
for src, name in ((reflection_proto, "reflection.proto"), (health_proto, "health.proto")):
    shutil.copy(src, os.path.join(work, name))
    subprocess.run(["protoc", "-I", work, "--python_out", work, name], check=True)
sys.path.insert(0, work)
import health_pb2  # noqa: E402
import reflection_pb2  # noqa: E402

channel = grpc.insecure_channel(f"127.0.0.1:{port}")
out = {}

reflect = channel.stream_stream(
    "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo",
    request_serializer=reflection_pb2.ServerReflectionRequest.SerializeToString,
    response_deserializer=reflection_pb2.ServerReflectionResponse.FromString,
)
requests = [
    reflection_pb2.ServerReflectionRequest(list_services=""),
    reflection_pb2.ServerReflectionRequest(file_containing_symbol="hotspot.v1.Hotspot"),
]
# One answer per request; read exactly those (the server keeps the bidi stream open), then hang up.
replies = reflect(iter(requests), timeout=10)
answers = [next(replies), next(replies)]
replies.cancel()
out["services"] = sorted(s.name for s in answers[0].list_services_response.service)

pool = descriptor_pool.DescriptorPool()
for raw in answers[1].file_descriptor_response.file_descriptor_proto:
    pool.Add(descriptor_pb2.FileDescriptorProto.FromString(raw))
service = pool.FindServiceByName("hotspot.v1.Hotspot")
out["methods"] = sorted(m.name for m in service.methods)
factory = message_factory.MessageFactory(pool)


def klass(name):
    return factory.GetPrototype(pool.FindMessageTypeByName(name))


def method(name, kind):
    m = service.methods_by_name[name]
    req, res = klass(m.input_type.full_name), klass(m.output_type.full_name)
    make = getattr(channel, kind)
    return make(f"/hotspot.v1.Hotspot/{name}", request_serializer=req.SerializeToString, response_deserializer=res.FromString), req


# Ingest: two good records and one with a bad IMSI.
ingest, IngestRequest = method("Ingest", "stream_unary")
S1Record = klass("hotspot.v1.S1Record")
records = [
    S1Record(xdr_id="py1", interface="s1mme", imsi="460001234567890", start_time=1700000000000, procedure_type="attach", procedure_status=1, emm_cause=15),
    S1Record(xdr_id="py2", interface="s1u", imsi="460001234567891", start_time=1700000001000, app_type="video", dl_bytes=123456),
    S1Record(xdr_id="py3", interface="s1u", imsi="12", start_time=1700000002000),
]
summary = ingest(iter([IngestRequest(records=records, source="python")]), timeout=10)
out["ingest"] = {
    "accepted": summary.accepted,
    "dead_lettered": summary.dead_lettered,
    "by_reason": {r.reason: r.count for r in summary.dead_lettered_by_reason},
}

list_alerts, ListAlertsRequest = method("ListAlerts", "unary_unary")
res = list_alerts(ListAlertsRequest(page_size=10), timeout=10)
out["alerts"] = sorted(a.alert_id for a in res.alerts)

get_alert, GetAlertRequest = method("GetAlert", "unary_unary")
detail = get_alert(GetAlertRequest(alert_id="a1"), timeout=10)
out["a1"] = {
    "severity": pool.FindEnumTypeByName("hotspot.v1.Severity").values_by_number[detail.alert.severity].name,
    "contributions": [[c.feature, c.contribution] for c in detail.contributions],
    "last_sequence": detail.last_sequence,
}
try:
    get_alert(GetAlertRequest(alert_id="missing"), timeout=10)
    out["missing"] = "OK"
except grpc.RpcError as e:
    out["missing"] = [e.code().name, e.details()]

stream_alerts, StreamAlertsRequest = method("StreamAlerts", "unary_stream")
call = stream_alerts(StreamAlertsRequest(after_sequence=1), timeout=10)
seqs = []
for ev in call:
    seqs.append(ev.sequence)
    if len(seqs) == 2:
        call.cancel()
        break
out["streamed"] = seqs

check = channel.unary_unary(
    "/grpc.health.v1.Health/Check",
    request_serializer=health_pb2.HealthCheckRequest.SerializeToString,
    response_deserializer=health_pb2.HealthCheckResponse.FromString,
)
status = check(health_pb2.HealthCheckRequest(service="hotspot.v1.Hotspot"), timeout=10).status
out["health"] = health_pb2.HealthCheckResponse.ServingStatus.Name(status)

print(json.dumps(out))
