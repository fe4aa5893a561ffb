// Checks deploy/kubernetes/*.yaml offline, with no cluster: every document
// validates against the Kubernetes OpenAPI schema of its kind
// (kubernetes-models), and the documents agree with each other and with
// the gateway's configuration (names referenced exist, probes hit the gRPC
// port, the grace period covers the drain). Exit 1 with every problem.
//
//   node deploy/kubernetes/check-manifests.mjs [DIR]
import { readFileSync, readdirSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { parseAllDocuments, parse } from "yaml";
import { ConfigMap, PersistentVolumeClaim, Secret, Service } from "kubernetes-models/v1";
import { Deployment } from "kubernetes-models/apps/v1";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1";

const models = {
  "v1/ConfigMap": ConfigMap,
  "v1/PersistentVolumeClaim": PersistentVolumeClaim,
  "v1/Secret": Secret,
  "v1/Service": Service,
  "apps/v1/Deployment": Deployment,
  "policy/v1/PodDisruptionBudget": PodDisruptionBudget,
};
const required = Object.keys(models);

const dir = process.argv[2] ?? dirname(fileURLToPath(import.meta.url));
const problems = [];
const objects = {};
const files = readdirSync(dir).filter((f) => f.endsWith(".yaml")).sort();
for (const file of files) {
  const docs = parseAllDocuments(readFileSync(join(dir, file), "utf8"));
  for (const doc of docs) {
    if (doc.errors.length > 0) {
      problems.push(`${file}: YAML: ${doc.errors.map((e) => e.message).join("; ")}`);
      continue;
    }
    const object = doc.toJS();
    if (object === null) continue;
    const key = `${object.apiVersion}/${object.kind}`;
    const Model = models[key];
    if (!Model) {
      problems.push(`${file}: no schema known for ${key}`);
      continue;
    }
    try {
      new Model(object).validate();
    } catch (error) {
      problems.push(`${file}: ${key} ${object.metadata?.name}: ${error.message}`);
      continue;
    }
    objects[key] = object;
  }
}
for (const key of required) {
  if (!objects[key]) problems.push(`missing a ${key}`);
}

// Cross-checks: what the schema cannot see.
function check(condition, message) {
  if (!condition) problems.push(message);
}
const deployment = objects["apps/v1/Deployment"];
if (deployment && problems.length === 0) {
  const pod = deployment.spec.template.spec;
  const container = pod.containers[0];
  const grpcPort = container.ports.find((p) => p.name === "grpc")?.containerPort;
  check(grpcPort !== undefined, "Deployment: no container port named grpc");
  for (const probe of ["readinessProbe", "livenessProbe"]) {
    check(container[probe]?.grpc?.port === grpcPort,
          `Deployment: ${probe} is not a gRPC probe on the grpc port ${grpcPort}`);
  }
  check(pod.securityContext?.runAsNonRoot === true, "Deployment: runAsNonRoot is not set");
  check(container.securityContext?.readOnlyRootFilesystem === true,
        "Deployment: readOnlyRootFilesystem is not set");
  check(container.resources?.requests && container.resources?.limits,
        "Deployment: resources requests and limits are not set");
  const volumes = Object.fromEntries(pod.volumes.map((v) => [v.name, v]));
  check(volumes.config?.configMap?.name === objects["v1/ConfigMap"].metadata.name,
        "Deployment: volume config does not name the ConfigMap");
  check(volumes["api-key"]?.secret?.secretName === objects["v1/Secret"].metadata.name,
        "Deployment: volume api-key does not name the Secret");
  check(volumes.audit?.persistentVolumeClaim?.claimName ===
          objects["v1/PersistentVolumeClaim"].metadata.name,
        "Deployment: volume audit does not name the PersistentVolumeClaim");

  const config = parse(objects["v1/ConfigMap"].data["gateway.yaml"]);
  const mounts = Object.fromEntries(container.volumeMounts.map((m) => [m.name, m.mountPath]));
  check(config.audit?.directory?.startsWith(mounts.audit + "/"),
        `ConfigMap: audit.directory ${config.audit?.directory} is not on the audit volume ${mounts.audit}`);
  check(config.audit?.retention?.max_files > 0 || config.audit?.retention?.max_age,
        "ConfigMap: audit.retention is not set (the trail could fill the volume)");
  check(config.listener?.address?.endsWith(`:${grpcPort}`),
        `ConfigMap: listener.address ${config.listener?.address} is not the grpc port ${grpcPort}`);
  check(!config.upstream?.api_key_file,
        "ConfigMap: upstream.api_key_file is set (the key comes from the Secret)");
  check(container.args.includes(`--api_key_file=${mounts["api-key"]}/api-key`),
        "Deployment: --api_key_file does not name the Secret's mount");
  const grace = Number(String(config.shutdown?.grace_period ?? "30s").replace(/s$/, ""));
  check(pod.terminationGracePeriodSeconds > grace,
        `Deployment: terminationGracePeriodSeconds ${pod.terminationGracePeriodSeconds} ` +
          `does not exceed shutdown.grace_period ${grace}s`);

  const selector = deployment.spec.selector.matchLabels;
  const labels = deployment.spec.template.metadata.labels;
  for (const key of ["v1/Service", "policy/v1/PodDisruptionBudget"]) {
    const s = key === "v1/Service" ? objects[key].spec.selector
                                   : objects[key].spec.selector.matchLabels;
    check(Object.entries(s).every(([k, v]) => labels[k] === v),
          `${key}: its selector does not select the Deployment's pods`);
  }
  check(Object.entries(selector).every(([k, v]) => labels[k] === v),
        "Deployment: its selector does not select its own pods");
  const ports = objects["v1/Service"].spec.ports;
  check(ports.every((p) => container.ports.some((c) => c.name === p.targetPort)),
        "Service: a targetPort names no container port");
}

if (problems.length > 0) {
  for (const problem of problems) console.error(`check-manifests: ${problem}`);
  process.exit(1);
}
console.log(`check-manifests: ${files.length} files ok (${Object.keys(objects).join(", ")})`);
