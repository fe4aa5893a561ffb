// Checks a directory of Kubernetes manifests offline, with no cluster:
// every document validates against the Kubernetes OpenAPI schema of its kind
// (kubernetes-models), and the documents agree with each other and with the
// gateway's configuration: names referenced exist, probes hit the gRPC port
// and ask for the overall health, the grace period covers the drain, files
// the config names are mounted from the Secret. With several replicas (the
// StatefulSet of replicated/) also: shared_state.redis and
// updates.seal_key_file are set, the Redis address is a Service of the set,
// each replica has its own audit claim, and only the gateway reaches Redis.
// Exit 1 with every problem.
//
//   node deploy/kubernetes/check-manifests.mjs [DIR...]
//
// Without DIR: the directory of this script (the single gateway).
import { readFileSync, readdirSync } from "node:fs";
import { join, dirname, posix } from "node:path";
import { fileURLToPath } from "node:url";
import { parseAllDocuments, parse } from "yaml";
import { ConfigMap, PersistentVolumeClaim, Secret, Service } from "kubernetes-models/v1";
import { Deployment, StatefulSet } from "kubernetes-models/apps/v1";
import { NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1";

const models = {
  "v1/ConfigMap": ConfigMap,
  "v1/PersistentVolumeClaim": PersistentVolumeClaim,
  "v1/Secret": Secret,
  "v1/Service": Service,
  "apps/v1/Deployment": Deployment,
  "apps/v1/StatefulSet": StatefulSet,
  "networking.k8s.io/v1/NetworkPolicy": NetworkPolicy,
  "policy/v1/PodDisruptionBudget": PodDisruptionBudget,
};
// Every set has these, and one gateway workload (a Deployment or StatefulSet).
const required = ["v1/ConfigMap", "v1/Secret", "v1/Service", "policy/v1/PodDisruptionBudget"];

// Load reads and schema-checks every document of dir's *.yaml files.
function Load(dir, problems) {
  const objects = [];
  const files = readdirSync(dir).filter((f) => f.endsWith(".yaml")).sort();
  for (const file of files) {
    for (const doc of parseAllDocuments(readFileSync(join(dir, file), "utf8"))) {
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
      objects.push({ key, file, object });
    }
  }
  return { files, objects };
}

// Selects is whether a label selector (a map) selects a pod with labels.
function Selects(selector, labels) {
  return !!selector && Object.keys(selector).length > 0 &&
    Object.entries(selector).every(([k, v]) => labels?.[k] === v);
}

// CheckSet runs the cross-checks, which the schema cannot see, on one set.
function CheckSet(objects, problems) {
  const check = (condition, message) => { if (!condition) problems.push(message); };
  const all = (key) => objects.filter((o) => o.key === key).map((o) => o.object);
  const named = (key, name) => all(key).find((o) => o.metadata.name === name);
  const workloads = [...all("apps/v1/Deployment"), ...all("apps/v1/StatefulSet")];
  const label = (w) => `${w.kind} ${w.metadata.name}`;
  const PodLabels = (w) => w.spec.template.metadata.labels;

  // The gateway is the workload with a container named gateway.
  const gateways = workloads.filter((w) =>
    w.spec.template.spec.containers.some((c) => c.name === "gateway"));
  check(gateways.length === 1,
        "want one Deployment or StatefulSet with a container named gateway, " +
          `found ${gateways.length}`);
  if (gateways.length !== 1) return;
  const gateway = gateways[0];
  const G = label(gateway);
  const pod = gateway.spec.template.spec;
  const container = pod.containers.find((c) => c.name === "gateway");
  const podLabels = PodLabels(gateway);
  const replicas = gateway.spec.replicas ?? 1;

  // Every workload: hardened, selects its own pods, every volume it names exists.
  const claimTemplates = (w) => (w.spec.volumeClaimTemplates ?? []).map((t) => t.metadata.name);
  for (const w of workloads) {
    const spec = w.spec.template.spec;
    check(Selects(w.spec.selector.matchLabels, PodLabels(w)),
          `${label(w)}: its selector does not select its own pods`);
    check(spec.securityContext?.runAsNonRoot === true, `${label(w)}: runAsNonRoot is not set`);
    check(spec.automountServiceAccountToken === false,
          `${label(w)}: automountServiceAccountToken is not false`);
    for (const c of spec.containers) {
      const where = `${label(w)} container ${c.name}`;
      check(c.securityContext?.readOnlyRootFilesystem === true,
            `${where}: readOnlyRootFilesystem is not set`);
      check(c.securityContext?.allowPrivilegeEscalation === false,
            `${where}: allowPrivilegeEscalation is not false`);
      check(c.securityContext?.capabilities?.drop?.includes("ALL"),
            `${where}: capabilities are not all dropped`);
      check(c.resources?.requests && c.resources?.limits,
            `${where}: resources requests and limits are not set`);
      check(c.readinessProbe && c.livenessProbe,
            `${where}: a readiness or liveness probe is missing`);
      const volumeNames = [...(spec.volumes ?? []).map((v) => v.name), ...claimTemplates(w)];
      for (const m of c.volumeMounts ?? []) {
        check(volumeNames.includes(m.name), `${where}: mount ${m.name} names no volume`);
      }
    }
    for (const v of spec.volumes ?? []) {
      if (v.configMap) {
        check(named("v1/ConfigMap", v.configMap.name),
              `${label(w)}: volume ${v.name} names no ConfigMap of the set (${v.configMap.name})`);
      }
      if (v.secret) {
        const secret = named("v1/Secret", v.secret.secretName);
        check(secret, `${label(w)}: volume ${v.name} names no Secret of the set ` +
                        `(${v.secret.secretName})`);
        for (const item of v.secret.items ?? []) {
          check(!secret || item.key in { ...secret.data, ...secret.stringData },
                `${label(w)}: volume ${v.name} names key ${item.key}, ` +
                  `not in Secret ${v.secret.secretName}`);
        }
      }
      if (v.persistentVolumeClaim) {
        check(named("v1/PersistentVolumeClaim", v.persistentVolumeClaim.claimName),
              `${label(w)}: volume ${v.name} names no PersistentVolumeClaim of the set ` +
                `(${v.persistentVolumeClaim.claimName})`);
      }
    }
  }

  // FileSource is where a file path seen by container c of workload w comes
  // from: { mount, volume, kind: "secret" | "configMap" | "claim" | ..., name, key }.
  function FileSource(w, c, path) {
    if (typeof path !== "string" || !path.startsWith("/")) return undefined;
    const mount = (c.volumeMounts ?? [])
      .filter((m) => path.startsWith(m.mountPath.replace(/\/?$/, "/")))
      .sort((a, b) => b.mountPath.length - a.mountPath.length)[0];
    if (!mount) return undefined;
    const rest = posix.relative(mount.mountPath, path);
    const volume = (w.spec.template.spec.volumes ?? []).find((v) => v.name === mount.name);
    if (!volume) {
      if (!claimTemplates(w).includes(mount.name)) return undefined;
      return { mount, kind: "claimTemplate", name: mount.name };
    }
    const source = volume.secret ?? volume.configMap;
    if (source) {
      const items = source.items;
      const key = items ? items.find((i) => i.path === rest)?.key : rest;
      return { mount, volume, kind: volume.secret ? "secret" : "configMap",
               name: volume.secret ? source.secretName : source.name, key };
    }
    if (volume.persistentVolumeClaim) {
      return { mount, volume, kind: "claim", name: volume.persistentVolumeClaim.claimName };
    }
    return { mount, volume, kind: "other" };
  }
  // FromSecret checks that the file path is a key of a Secret of the set.
  function FromSecret(w, c, path, what) {
    const source = FileSource(w, c, path);
    const secret = source?.kind === "secret" && named("v1/Secret", source.name);
    check(secret && source.key && source.key in { ...secret.data, ...secret.stringData },
          `${label(w)}: ${what} ${path} is not a key of a Secret of the set mounted there`);
    return source;
  }
  const flag = (c, name) => [...(c.command ?? []), ...(c.args ?? [])]
    .find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);

  // The gateway's configuration: the file --config names, from a ConfigMap.
  const configPath = flag(container, "config");
  const configSource = FileSource(gateway, container, configPath);
  const configText = configSource?.kind === "configMap" &&
    named("v1/ConfigMap", configSource.name)?.data?.[configSource.key];
  check(configText, `${G}: --config ${configPath} is not a key of a ConfigMap of the set`);
  if (!configText) return;
  const config = parse(configText);

  // Probes: the gRPC port, the overall health ("", not gateway.SharedState,
  // which is NOT_SERVING while Redis is down though reads still work).
  const grpcPort = container.ports?.find((p) => p.name === "grpc")?.containerPort;
  check(grpcPort !== undefined, `${G}: no container port named grpc`);
  for (const probe of ["readinessProbe", "livenessProbe"]) {
    check(container[probe]?.grpc?.port === grpcPort,
          `${G}: ${probe} is not a gRPC probe on the grpc port ${grpcPort}`);
    check(!container[probe]?.grpc?.service,
          `${G}: ${probe} asks for health service "${container[probe]?.grpc?.service}", ` +
            `not the overall "" (a Redis outage would take every pod out)`);
  }
  check(config.listener?.address?.endsWith(`:${grpcPort}`),
        `ConfigMap: listener.address ${config.listener?.address} is not the grpc port ${grpcPort}`);
  const grace = Number(String(config.shutdown?.grace_period ?? "30s").replace(/s$/, ""));
  check(pod.terminationGracePeriodSeconds > grace,
        `${G}: terminationGracePeriodSeconds ${pod.terminationGracePeriodSeconds} ` +
          `does not exceed shutdown.grace_period ${grace}s`);

  // Secrets by file, from the Secret.
  check(!config.upstream?.api_key_file,
        "ConfigMap: upstream.api_key_file is set (the key comes from the Secret)");
  FromSecret(gateway, container, flag(container, "api_key_file"), "--api_key_file");

  // The audit trail: on a claim with retention; one claim per replica.
  const audit = FileSource(gateway, container, config.audit?.directory);
  check(audit?.kind === "claim" || audit?.kind === "claimTemplate",
        `ConfigMap: audit.directory ${config.audit?.directory} is not on a claim`);
  check(replicas === 1 || audit?.kind === "claimTemplate",
        `${G}: ${replicas} replicas but audit.directory is not on a volumeClaimTemplate ` +
          `(each replica writes its own trail)`);
  check(config.audit?.retention?.max_files > 0 || config.audit?.retention?.max_age,
        "ConfigMap: audit.retention is not set (the trail could fill the volume)");
  check(audit?.kind !== "claim" || gateway.kind === "Deployment" && replicas === 1 &&
          gateway.spec.strategy?.type === "Recreate",
        `${G}: the audit claim could have two writers (want one replica, Recreate)`);
  const retention = gateway.spec.persistentVolumeClaimRetentionPolicy ?? {};
  check(retention.whenDeleted !== "Delete" && retention.whenScaled !== "Delete",
        `${G}: persistentVolumeClaimRetentionPolicy deletes audit trails`);

  // Services: each selects a workload of the set, whose ports its targetPorts name.
  for (const s of all("v1/Service")) {
    const w = workloads.find((x) => Selects(s.spec.selector, PodLabels(x)));
    check(w, `Service ${s.metadata.name}: its selector selects no workload of the set`);
    if (!w) continue;
    const names = w.spec.template.spec.containers.flatMap((c) => c.ports ?? []);
    check(s.spec.ports.every((p) =>
            names.some((c) => c.name === p.targetPort || c.containerPort === p.targetPort)),
          `Service ${s.metadata.name}: a targetPort names no container port of ${label(w)}`);
  }
  check(all("v1/Service").some((s) =>
          s.spec.clusterIP !== "None" && Selects(s.spec.selector, podLabels)),
        `${G}: no ClusterIP Service selects the gateway pods`);
  if (gateway.kind === "StatefulSet") {
    const headless = named("v1/Service", gateway.spec.serviceName);
    check(headless?.spec.clusterIP === "None" && Selects(headless.spec.selector, podLabels),
          `${G}: serviceName ${gateway.spec.serviceName} is not a headless Service ` +
            "of the set selecting its pods");
  }

  // Disruption budgets: the gateway's pods have one, which allows an eviction.
  const budgets = all("policy/v1/PodDisruptionBudget");
  for (const b of budgets) {
    check(workloads.some((w) => Selects(b.spec.selector.matchLabels, PodLabels(w))),
          `PodDisruptionBudget ${b.metadata.name}: its selector selects no workload of the set`);
  }
  const budget = budgets.find((b) => Selects(b.spec.selector.matchLabels, podLabels));
  check(budget, `${G}: no PodDisruptionBudget selects the gateway pods`);
  if (budget?.spec.minAvailable !== undefined) {
    check(Number.isInteger(budget.spec.minAvailable) && budget.spec.minAvailable < replicas,
          `PodDisruptionBudget ${budget.metadata.name}: minAvailable ${budget.spec.minAvailable} ` +
            `with ${replicas} replicas blocks every eviction`);
  }

  // Shared state: required by several replicas; then the seal key, the
  // password and Redis itself must be where the config says.
  const redis = config.shared_state?.redis;
  check(replicas === 1 || redis?.address,
        `ConfigMap: ${replicas} replicas but no shared_state.redis.address ` +
          "(they would not share locks)");
  if (!redis) return;
  check(!redis.tls, "ConfigMap: shared_state.redis.tls is not supported by this build");
  const policy = String(config.updates?.write_only_policy ?? "");
  check(config.updates?.seal_key_file || policy.endsWith("REFUSE"),
        "ConfigMap: shared_state.redis without updates.seal_key_file");
  if (config.updates?.seal_key_file) {
    FromSecret(gateway, container, config.updates.seal_key_file, "updates.seal_key_file");
  }
  const password = redis.password_file &&
    FromSecret(gateway, container, redis.password_file, "shared_state.redis.password_file");
  const [, host, port] = String(redis.address).match(/^\[?(.*?)\]?:(\d+)$/) ?? [];
  const service = named("v1/Service", host?.split(".")[0]);
  const servicePort = service?.spec.ports.find((p) => p.port === Number(port));
  check(servicePort, `ConfigMap: shared_state.redis.address ${redis.address} ` +
                      "is not a Service port of the set");
  if (!servicePort) return;
  const redisWorkload = workloads.find((w) => Selects(service.spec.selector, PodLabels(w)));
  if (!redisWorkload) return;  // reported with the Services
  const R = label(redisWorkload);
  check(redisWorkload !== gateway,
        `Service ${service.metadata.name} selects the gateway, not Redis`);
  check(redisWorkload.kind !== "Deployment" || (redisWorkload.spec.replicas ?? 1) === 1 &&
          redisWorkload.spec.strategy?.type === "Recreate",
        `${R}: not one replica with the Recreate strategy (two Redis would split the locks)`);
  // Redis's password is the file the gateway's password_file reads.
  const redisContainer = redisWorkload.spec.template.spec.containers[0];
  const commandLine = [...(redisContainer.command ?? []), ...(redisContainer.args ?? [])].join(" ");
  check(commandLine.includes("--requirepass") || commandLine.includes("requirepass "),
        `${R}: no requirepass (Redis would take any client)`);
  if (password) {
    const paths = commandLine.match(/\/[\w.\-/]+/g) ?? [];
    check(paths.some((p) => {
      const s = FileSource(redisWorkload, redisContainer, p);
      return s?.kind === "secret" && s.name === password.name && s.key === password.key;
    }), `${R}: does not read its password from Secret ${password.name} key ${password.key}, ` +
          "which shared_state.redis.password_file reads");
  }
  // Only the gateway reaches Redis.
  const policies = all("networking.k8s.io/v1/NetworkPolicy").filter((p) =>
    Selects(p.spec.podSelector.matchLabels, PodLabels(redisWorkload)));
  check(policies.length > 0, `${R}: no NetworkPolicy limits who reaches Redis`);
  for (const p of policies) {
    const where = `NetworkPolicy ${p.metadata.name}`;
    check(p.spec.policyTypes?.includes("Ingress"), `${where}: does not limit Ingress`);
    const rules = p.spec.ingress ?? [];
    check(rules.some((r) => r.from?.some((f) => Selects(f.podSelector?.matchLabels, podLabels))),
          `${where}: does not admit the gateway pods`);
    for (const r of rules) {
      check(r.from?.length > 0 && r.from.every((f) =>
              f.podSelector && !f.namespaceSelector && !f.ipBlock &&
              Selects(f.podSelector.matchLabels, podLabels)),
            `${where}: admits more than the gateway pods`);
    }
  }
}

const here = dirname(fileURLToPath(import.meta.url));
const dirs = process.argv.length > 2 ? process.argv.slice(2) : [here];
let failed = false;
for (const dir of dirs) {
  const problems = [];
  const { files, objects } = Load(dir, problems);
  for (const key of required) {
    if (!objects.some((o) => o.key === key)) problems.push(`missing a ${key}`);
  }
  if (problems.length === 0) CheckSet(objects, problems);
  if (problems.length > 0) {
    for (const problem of problems) console.error(`check-manifests: ${dir}: ${problem}`);
    failed = true;
    continue;
  }
  const kinds = [...new Set(objects.map((o) => o.key))].join(", ");
  console.log(`check-manifests: ${dir}: ${files.length} files, ` +
              `${objects.length} objects ok (${kinds})`);
}
process.exit(failed ? 1 : 0);
