#!/usr/bin/env node
// Offline validation of the Kubernetes manifests in k8s/ against the Kubernetes OpenAPI (JSON) schemas that ship
// inside the npm package "kubernetes-models" (no network needed once it is installed).
//
// Run it through scripts/validate-manifests.sh, which installs the packages into a cache folder and passes it here:
//   node scripts/validate-manifests.mjs --deps <dir with node_modules> [--dir k8s] [--rendered file.yaml]
//
// What it checks, for every object of every file listed in k8s/kustomization.yaml (resources and generators, with
// its labels/images applied the way kustomize does) plus k8s/secret.example.yaml, and for the real "kubectl
// kustomize" output when --rendered is given:
//   1. the schema of its apiVersion/kind (types, required fields, enums, int-or-string, ...);
//   2. strict mode: fields the schema does not know (a typo such as "readinessProbes" or a field at the wrong level),
//      which the OpenAPI schemas alone would accept silently - the same thing "kubectl --validate=strict" and
//      "kubeconform -strict" report;
//   3. references between the objects (selectors, ports, Service/ConfigMap/Secret/HPA targets), the shutdown timing,
//      that secret.example.yaml holds only placeholders and stays out of the kustomization, and that every key of
//      k8s/app.yaml (production overrides) exists in ../app.yaml.
// Exit code: 0 when everything is valid, 1 on any finding, 2 on a usage or set-up error.

import { readFileSync, existsSync, statSync } from "node:fs";
import { join, resolve, basename, relative } from "node:path";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";

// ---------------------------------------------------------------------------------------------------------------
// arguments and dependencies
// ---------------------------------------------------------------------------------------------------------------
function parseArgs(argv) {
  const args = { dir: "k8s", deps: process.env.K8S_VALIDATE_DEPS || "", rendered: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      if (i + 1 >= argv.length) usage(`${a} needs a value`);
      return argv[++i];
    };
    if (a === "--dir") args.dir = next();
    else if (a === "--deps") args.deps = next();
    else if (a === "--rendered") args.rendered.push(next());
    else if (a === "-h" || a === "--help") usage();
    else usage(`unknown argument ${a}`);
  }
  if (!args.deps) usage("--deps (or K8S_VALIDATE_DEPS) must name the folder that holds node_modules/kubernetes-models");
  return args;
}

function usage(message) {
  if (message) console.error(`validate-manifests: ${message}`);
  console.error("usage: node scripts/validate-manifests.mjs --deps DIR [--dir k8s] [--rendered rendered.yaml]...");
  process.exit(2);
}

const args = parseArgs(process.argv.slice(2));
const depsDir = resolve(args.deps);
const modelsDir = join(depsDir, "node_modules", "kubernetes-models");
if (!existsSync(join(modelsDir, "package.json"))) {
  console.error(`validate-manifests: kubernetes-models is not installed under ${depsDir} (run scripts/validate-manifests.sh)`);
  process.exit(2);
}
const requireFromDeps = createRequire(join(depsDir, "package.json"));
const YAML = requireFromDeps("yaml");
const modelsVersion = JSON.parse(readFileSync(join(modelsDir, "package.json"), "utf8")).version;

const k8sDir = resolve(args.dir);
const repoDir = resolve(k8sDir, "..");
const rel = (p) => relative(repoDir, p) || p;

// ---------------------------------------------------------------------------------------------------------------
// findings
// ---------------------------------------------------------------------------------------------------------------
const problems = [];
const problem = (where, message) => problems.push(`${where}: ${message}`);
let validatedObjects = 0;

// ---------------------------------------------------------------------------------------------------------------
// YAML loading
// ---------------------------------------------------------------------------------------------------------------
function loadDocuments(file, text = null) {
  let source;
  try {
    source = text ?? readFileSync(file, "utf8");
  } catch (e) {
    problem(rel(file), `cannot read: ${e.message}`);
    return [];
  }
  const lineCounter = new YAML.LineCounter();
  const docs = YAML.parseAllDocuments(source, { lineCounter, uniqueKeys: true, prettyErrors: false });
  const out = [];
  for (const doc of Array.isArray(docs) ? docs : [docs]) {
    if (doc.errors && doc.errors.length) {
      for (const err of doc.errors) {
        const pos = err.pos ? lineCounter.linePos(err.pos[0]) : null;
        problem(`${rel(file)}${pos ? `:${pos.line}` : ""}`, `YAML error: ${err.message.split("\n")[0]}`);
      }
      continue;
    }
    const value = doc.toJS({ maxAliasCount: 100 });
    if (value === null || value === undefined) continue;
    const line = doc.contents && doc.contents.range ? lineCounter.linePos(doc.contents.range[0]).line : 1;
    out.push({ value, file, line, doc, lineCounter });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// kustomization.yaml, simulated: resources, generators, labels, annotations, images, namespace
// ---------------------------------------------------------------------------------------------------------------
const KUSTOMIZATION_KEYS = new Set([
  "apiVersion", "kind", "metadata", "resources", "components", "namespace", "namePrefix", "nameSuffix", "labels",
  "commonLabels", "commonAnnotations", "configMapGenerator", "secretGenerator", "generatorOptions", "images",
  "replicas", "patches", "patchesStrategicMerge", "patchesJson6902", "configurations", "openapi", "buildMetadata",
  "sortOptions", "crds", "generators", "transformers", "validators", "vars", "replacements", "helmCharts",
]);

function readKustomization(dir) {
  const file = join(dir, "kustomization.yaml");
  if (!existsSync(file)) {
    problem(rel(dir), "no kustomization.yaml");
    return null;
  }
  const docs = loadDocuments(file);
  if (docs.length !== 1) {
    if (docs.length > 1) problem(rel(file), "must hold exactly one YAML document");
    return null;
  }
  const k = docs[0].value;
  if (typeof k !== "object" || Array.isArray(k)) {
    problem(rel(file), "is not a mapping");
    return null;
  }
  for (const key of Object.keys(k)) {
    if (!KUSTOMIZATION_KEYS.has(key)) problem(rel(file), `unknown field "${key}"`);
  }
  if (k.kind !== undefined && k.kind !== "Kustomization") problem(rel(file), `kind must be Kustomization, not ${k.kind}`);
  return { file, k };
}

function generatedConfigData(dir, gen, where) {
  const data = {};
  for (const entry of gen.files || []) {
    const [key, path] = String(entry).includes("=") ? String(entry).split(/=(.*)/s) : [basename(String(entry)), String(entry)];
    const full = resolve(dir, path);
    if (!full.startsWith(dir + "/")) {
      problem(where, `generator file "${path}" is outside the kustomization folder (kustomize refuses it)`);
      continue;
    }
    if (!existsSync(full)) {
      problem(where, `generator file "${path}" does not exist`);
      continue;
    }
    data[key] = readFileSync(full, "utf8");
  }
  for (const literal of gen.literals || []) {
    const [key, value] = String(literal).split(/=(.*)/s);
    data[key] = value ?? "";
  }
  for (const envFile of gen.envs || []) {
    const full = resolve(dir, envFile);
    if (!existsSync(full)) {
      problem(where, `generator env file "${envFile}" does not exist`);
      continue;
    }
    for (const line of readFileSync(full, "utf8").split("\n")) {
      const m = line.match(/^\s*([^#=\s][^=]*)=(.*)$/);
      if (m) data[m[1].trim()] = m[2];
    }
  }
  return data;
}

const WORKLOAD_KINDS = new Set(["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job"]);

function applyKustomization(dir, k, objects) {
  const kfile = join(dir, "kustomization.yaml");
  const labelSets = [];
  for (const entry of k.labels || []) {
    labelSets.push({ pairs: entry.pairs || {}, selectors: !!entry.includeSelectors, templates: !!entry.includeTemplates });
  }
  if (k.commonLabels) labelSets.push({ pairs: k.commonLabels, selectors: true, templates: true });
  for (const { value: o } of objects) {
    if (!o || typeof o !== "object") continue;
    o.metadata = o.metadata || {};
    if (k.namespace) o.metadata.namespace = k.namespace;
    for (const set of labelSets) {
      o.metadata.labels = { ...(o.metadata.labels || {}), ...set.pairs };
      const spec = o.spec || {};
      if ((set.templates || set.selectors) && WORKLOAD_KINDS.has(o.kind) && spec.template) {
        spec.template.metadata = spec.template.metadata || {};
        spec.template.metadata.labels = { ...(spec.template.metadata.labels || {}), ...set.pairs };
      }
      if (set.selectors) {
        if (o.kind === "Service" && spec.selector) Object.assign(spec.selector, set.pairs);
        if (WORKLOAD_KINDS.has(o.kind) && spec.selector && spec.selector.matchLabels) Object.assign(spec.selector.matchLabels, set.pairs);
        if (o.kind === "PodDisruptionBudget" && spec.selector && spec.selector.matchLabels) Object.assign(spec.selector.matchLabels, set.pairs);
        if (o.kind === "NetworkPolicy" && spec.podSelector && spec.podSelector.matchLabels) Object.assign(spec.podSelector.matchLabels, set.pairs);
      }
    }
    if (k.commonAnnotations) o.metadata.annotations = { ...(o.metadata.annotations || {}), ...k.commonAnnotations };
    for (const image of k.images || []) {
      for (const c of podContainers(o)) {
        const [name, tag] = splitImage(c.image);
        if (name !== image.name) continue;
        const newName = image.newName || name;
        c.image = image.digest ? `${newName}@${image.digest}` : `${newName}${image.newTag ? `:${image.newTag}` : tag ? `:${tag}` : ""}`;
      }
    }
  }
  if (k.images) {
    for (const image of k.images) if (!image.name) problem(rel(kfile), "an images entry has no name");
  }
}

function splitImage(image) {
  if (typeof image !== "string") return [image, ""];
  const at = image.indexOf("@");
  const base = at >= 0 ? image.slice(0, at) : image;
  const colon = base.lastIndexOf(":");
  return colon > base.lastIndexOf("/") ? [base.slice(0, colon), base.slice(colon + 1)] : [base, ""];
}

function podSpec(o) {
  if (!o || !o.spec) return null;
  if (o.kind === "Pod") return o.spec;
  if (o.kind === "CronJob") return o.spec.jobTemplate?.spec?.template?.spec || null;
  return o.spec.template?.spec || null;
}

function podContainers(o) {
  const spec = podSpec(o);
  if (!spec) return [];
  return [...(spec.initContainers || []), ...(spec.containers || [])].filter((c) => c && typeof c === "object");
}

function collectKustomization(dir, listedFiles) {
  const kust = readKustomization(dir);
  if (!kust) return [];
  const { k, file } = kust;
  const objects = [];
  for (const res of k.resources || []) {
    const full = resolve(dir, String(res));
    if (/^[a-z]+:\/\//i.test(String(res)) || String(res).startsWith("github.com/")) {
      problem(rel(file), `remote resource "${res}" cannot be checked offline`);
      continue;
    }
    if (!existsSync(full)) {
      problem(rel(file), `resource "${res}" does not exist`);
      continue;
    }
    if (statSync(full).isDirectory()) {
      objects.push(...collectKustomization(full, listedFiles));
      continue;
    }
    listedFiles.add(full);
    objects.push(...loadDocuments(full));
  }
  for (const gen of k.configMapGenerator || []) {
    if (!gen.name) { problem(rel(file), "a configMapGenerator entry has no name"); continue; }
    objects.push({
      value: { apiVersion: "v1", kind: "ConfigMap", metadata: { name: gen.name }, data: generatedConfigData(dir, gen, rel(file)) },
      file, line: 0, generated: true,
    });
    for (const f of gen.files || []) listedFiles.add(resolve(dir, String(f).split("=").pop()));
  }
  for (const gen of k.secretGenerator || []) {
    if (!gen.name) { problem(rel(file), "a secretGenerator entry has no name"); continue; }
    const data = generatedConfigData(dir, gen, rel(file));
    const b64 = Object.fromEntries(Object.entries(data).map(([key, v]) => [key, Buffer.from(v).toString("base64")]));
    objects.push({
      value: { apiVersion: "v1", kind: "Secret", type: gen.type || "Opaque", metadata: { name: gen.name }, data: b64 },
      file, line: 0, generated: true,
    });
  }
  applyKustomization(dir, k, objects);
  return objects;
}

// ---------------------------------------------------------------------------------------------------------------
// schema validation with kubernetes-models
// ---------------------------------------------------------------------------------------------------------------
// kubernetes-models keeps the schemas of API versions that Kubernetes has since removed; such an object would be
// refused by any current cluster, so they are findings here. "*" = every kind of that group/version.
const REMOVED_APIS = {
  "extensions/v1beta1": { "*": "1.22" },
  "apps/v1beta1": { "*": "1.16" },
  "apps/v1beta2": { "*": "1.16" },
  "networking.k8s.io/v1beta1": { Ingress: "1.22", IngressClass: "1.22" },
  "batch/v1beta1": { CronJob: "1.25" },
  "policy/v1beta1": { PodDisruptionBudget: "1.25", PodSecurityPolicy: "1.25" },
  "autoscaling/v2beta1": { "*": "1.25" },
  "autoscaling/v2beta2": { "*": "1.26" },
  "discovery.k8s.io/v1beta1": { EndpointSlice: "1.25" },
  "events.k8s.io/v1beta1": { Event: "1.25" },
  "node.k8s.io/v1beta1": { RuntimeClass: "1.25" },
  "rbac.authorization.k8s.io/v1beta1": { "*": "1.22" },
  "scheduling.k8s.io/v1beta1": { PriorityClass: "1.22" },
  "storage.k8s.io/v1beta1": { StorageClass: "1.22", CSIDriver: "1.22", CSINode: "1.22", VolumeAttachment: "1.22", CSIStorageCapacity: "1.27" },
  "admissionregistration.k8s.io/v1beta1": { MutatingWebhookConfiguration: "1.22", ValidatingWebhookConfiguration: "1.22" },
  "apiextensions.k8s.io/v1beta1": { "*": "1.22" },
  "apiregistration.k8s.io/v1beta1": { "*": "1.22" },
  "certificates.k8s.io/v1beta1": { CertificateSigningRequest: "1.22" },
  "coordination.k8s.io/v1beta1": { Lease: "1.22" },
  "flowcontrol.apiserver.k8s.io/v1beta1": { "*": "1.26" },
  "flowcontrol.apiserver.k8s.io/v1beta2": { "*": "1.29" },
  "flowcontrol.apiserver.k8s.io/v1beta3": { "*": "1.32" },
};

function removedIn(apiVersion, kind) {
  const entry = REMOVED_APIS[apiVersion];
  return entry ? entry[kind] || entry["*"] || null : null;
}

const modelCache = new Map();

async function modelFor(apiVersion, kind) {
  const key = `${apiVersion}/${kind}`;
  if (modelCache.has(key)) return modelCache.get(key);
  let model = null;
  if (/^[a-z0-9.-]*\/?v[0-9a-z]+$/.test(apiVersion) && /^[A-Z][A-Za-z0-9]*$/.test(kind)) {
    const index = join(modelsDir, apiVersion, "index.js");
    if (existsSync(index)) {
      const mod = await import(pathToFileURL(index).href);
      const cls = mod[kind];
      if (typeof cls === "function" && cls.kind === kind && cls.apiVersion === apiVersion) model = cls;
    }
  }
  modelCache.set(key, model);
  return model;
}

// Validation errors for one object, as ajv error objects ({instancePath, message, params, ...}).
function schemaErrors(Model, value) {
  try {
    new Model(value).validate();
    return [];
  } catch (e) {
    if (Array.isArray(e.errors)) return e.errors;
    return [{ instancePath: "", message: `validator failed: ${e.message}` }];
  }
}

function describe(err) {
  let msg = err.message || err.keyword;
  if (err.keyword === "enum" && err.params?.allowedValues) msg += ` (${err.params.allowedValues.map(String).join(", ")})`;
  if (err.keyword === "additionalProperties" && err.params?.additionalProperty) msg += ` "${err.params.additionalProperty}"`;
  return `${err.instancePath || "/"} ${msg}`;
}

// The line of the node at a JSON pointer (or of its nearest existing parent) in the source file.
function lineOf(entry, pointer) {
  if (!entry.doc || !entry.lineCounter) return entry.line;
  const segments = String(pointer || "").split("/").slice(1)
    .map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~"))
    .map((p) => (/^\d+$/.test(p) ? Number(p) : p));
  for (let n = segments.length; n >= 0; n--) {
    const node = n === 0 ? entry.doc.contents : entry.doc.getIn(segments.slice(0, n), true);
    if (node && node.range) {
      // for a mapping entry, point at its key rather than at the value below it
      if (n > 0) {
        const parent = n === 1 ? entry.doc.contents : entry.doc.getIn(segments.slice(0, n - 1), true);
        const pair = parent && parent.items ? parent.items.find((it) => it.key && (it.key.value ?? it.key) === segments[n - 1]) : null;
        if (pair && pair.key && pair.key.range) return entry.lineCounter.linePos(pair.key.range[0]).line;
      }
      return entry.lineCounter.linePos(node.range[0]).line;
    }
  }
  return entry.line;
}

const PROBE = Symbol("unknown-field-probe");

// Strict mode. The Kubernetes OpenAPI schemas allow any extra property, so a misspelt or misplaced field passes
// the plain schema check. To find such fields without the raw schemas, each field in turn is replaced by a value
// of no JSON type at all (a Symbol): a field the schema knows then fails its type check at its own path, a field
// the schema does not know produces no error there.
function unknownFields(Model, root) {
  const found = [];
  const walk = (node, path) => {
    if (Array.isArray(node)) {
      node.forEach((item, i) => walk(item, [...path, i]));
      return;
    }
    if (!node || typeof node !== "object") return;
    for (const key of Object.keys(node)) {
      const probePath = [...path, key];
      const pointer = "/" + probePath.map((p) => String(p).replace(/~/g, "~0").replace(/\//g, "~1")).join("/");
      const copy = structuredClone(root);
      let target = copy;
      for (const p of path) target = target[p];
      target[key] = PROBE;
      let errors;
      try {
        errors = schemaErrors(Model, copy);
      } catch {
        errors = [{ instancePath: pointer }];
      }
      const known = errors.some((e) => e.instancePath === pointer || (e.instancePath || "").startsWith(pointer + "/"));
      if (!known) {
        found.push(pointer);
        continue;
      }
      walk(node[key], probePath);
    }
  };
  walk(root, []);
  return found;
}

async function validateObject(entry, label) {
  const o = entry.value;
  const where = `${label}${entry.line ? `:${entry.line}` : ""}`;
  if (!o || typeof o !== "object" || Array.isArray(o)) {
    problem(where, "a document is not a Kubernetes object (mapping expected)");
    return;
  }
  const id = `${o.kind ?? "?"} ${o.metadata?.name ?? "?"}`;
  if (typeof o.apiVersion !== "string" || typeof o.kind !== "string") {
    problem(where, `${id}: apiVersion and kind are required`);
    return;
  }
  if (!o.metadata || typeof o.metadata.name !== "string" || !o.metadata.name) {
    problem(where, `${o.apiVersion} ${o.kind}: metadata.name is required`);
  }
  const removed = removedIn(o.apiVersion, o.kind);
  if (removed) {
    problem(where, `${id}: apiVersion ${o.apiVersion} of ${o.kind} was removed in Kubernetes ${removed}; use the current version`);
    return;
  }
  const Model = await modelFor(o.apiVersion, o.kind);
  if (!Model) {
    problem(where, `${id}: no schema for apiVersion "${o.apiVersion}" kind "${o.kind}" (wrong or removed API version, or a CRD)`);
    return;
  }
  validatedObjects++;
  const errors = schemaErrors(Model, o);
  const seen = new Set();
  const at = (pointer) => `${label}${entry.doc ? `:${lineOf(entry, pointer)}` : ""}`;
  for (const err of errors) {
    const text = describe(err);
    if (seen.has(text)) continue;
    seen.add(text);
    problem(at(err.instancePath), `${o.apiVersion} ${id}: ${text}`);
  }
  for (const pointer of unknownFields(Model, o)) problem(at(pointer), `${o.apiVersion} ${id}: ${pointer} is an unknown field (not in the ${o.kind} schema: misspelt or misplaced)`);
  const name = o.metadata?.name;
  if (typeof name === "string" && !/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(name)) {
    problem(where, `${id}: metadata.name "${name}" is not a valid DNS subdomain name`);
  }
  if (o.kind === "Secret" && o.data) {
    for (const [key, v] of Object.entries(o.data)) {
      if (typeof v === "string" && !/^[A-Za-z0-9+/]*={0,2}$/.test(v)) problem(where, `${id}: data.${key} is not base64 (use stringData for plain text)`);
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// references between the objects and project rules
// ---------------------------------------------------------------------------------------------------------------
const matches = (selector, labels) =>
  !!selector && Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => (labels || {})[k] === v);

function isoSeconds(text) {
  const m = /^PT(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?$/i.exec(String(text || ""));
  if (!m || !(m[1] || m[2] || m[3])) return null;
  return (Number(m[1] || 0) * 3600) + (Number(m[2] || 0) * 60) + Number(m[3] || 0);
}

function crossChecks(entries, context, appYaml, secretNames) {
  const objs = entries.map((e) => e.value).filter((o) => o && typeof o === "object" && !Array.isArray(o));
  const byKind = (kind) => objs.filter((o) => o.kind === kind);
  const at = (o) => `${context}: ${o.kind} ${o.metadata?.name}`;
  const workloads = objs.filter((o) => WORKLOAD_KINDS.has(o.kind) && podSpec(o));
  const podLabelSets = workloads.map((w) => w.spec.template?.metadata?.labels || {});
  const configMaps = new Set(byKind("ConfigMap").map((o) => o.metadata?.name));
  const generatedConfigMap = (name) =>
    configMaps.has(name) || [...configMaps].some((n) => n && new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}-[a-z0-9]{10}$`).test(n)) ||
    [...configMaps].some((n) => name && new RegExp(`^${n}-[a-z0-9]{10}$`).test(name));

  for (const w of workloads) {
    const spec = w.spec.template.spec;
    const labels = w.spec.template?.metadata?.labels || {};
    if (!matches(w.spec.selector?.matchLabels, labels)) problem(at(w), "spec.selector.matchLabels does not match the pod template labels");
    const ports = new Map();
    for (const c of podContainers(w)) for (const p of c.ports || []) if (p.name) ports.set(p.name, p.containerPort);
    const containerPorts = new Set([...podContainers(w)].flatMap((c) => (c.ports || []).map((p) => p.containerPort)));
    const portOk = (port) => (typeof port === "number" ? containerPorts.has(port) : ports.has(port));
    for (const c of podContainers(w)) {
      for (const probe of ["startupProbe", "readinessProbe", "livenessProbe"]) {
        const p = c[probe]?.httpGet?.port ?? c[probe]?.tcpSocket?.port;
        if (p !== undefined && !portOk(p)) problem(at(w), `container ${c.name}: ${probe} port ${p} is not a container port`);
      }
      for (const ef of c.envFrom || []) {
        if (ef.configMapRef && !generatedConfigMap(ef.configMapRef.name)) problem(at(w), `container ${c.name}: envFrom ConfigMap ${ef.configMapRef.name} is not defined here`);
        if (ef.secretRef && !secretNames.has(ef.secretRef.name) && !ef.secretRef.optional) {
          problem(at(w), `container ${c.name}: envFrom Secret ${ef.secretRef.name} matches neither secret.example.yaml nor a generated Secret`);
        }
      }
      const volumeNames = new Set((spec.volumes || []).map((v) => v.name));
      for (const m of c.volumeMounts || []) if (!volumeNames.has(m.name)) problem(at(w), `container ${c.name}: volumeMount ${m.name} has no volume`);
    }
    for (const v of spec.volumes || []) {
      if (v.configMap && !generatedConfigMap(v.configMap.name) && !v.configMap.optional) problem(at(w), `volume ${v.name}: ConfigMap ${v.configMap.name} is not defined here`);
    }
    for (const t of spec.topologySpreadConstraints || []) {
      if (!matches(t.labelSelector?.matchLabels, labels)) problem(at(w), `topologySpreadConstraints (${t.topologyKey}) labelSelector does not select the pods`);
    }
    const ann = w.spec.template?.metadata?.annotations || {};
    if (ann["prometheus.io/port"] && !containerPorts.has(Number(ann["prometheus.io/port"]))) problem(at(w), `prometheus.io/port ${ann["prometheus.io/port"]} is not a container port`);

    // Shutdown timing: preStop sleep + the server's drain time must end before the kubelet's SIGKILL.
    const grace = spec.terminationGracePeriodSeconds ?? 30;
    const sleepCmd = podContainers(w).map((c) => c.lifecycle?.preStop?.exec?.command).find(Boolean);
    const sleepSecs = sleepCmd ? Number(String(sleepCmd.join(" ")).match(/sleep\s+(\d+)/)?.[1] || 0)
      : Number(podContainers(w).map((c) => c.lifecycle?.preStop?.sleep?.seconds).find(Boolean) || 0);
    const drain = appYaml ? (isoSeconds(appYaml?.resilience?.["drain-timeout"]) ?? 0)
        + (isoSeconds(appYaml?.server?.["shutdown-grace-period"]) ?? 0) : null;
    if (drain !== null && sleepSecs + drain >= grace) {
      problem(at(w), `terminationGracePeriodSeconds ${grace} must exceed preStop sleep ${sleepSecs} s + resilience.drain-timeout + server.shutdown-grace-period (${drain} s)`);
    }
  }

  for (const s of byKind("Service")) {
    const sel = s.spec?.selector;
    if (!sel) continue;
    const targets = workloads.filter((w) => matches(sel, w.spec.template?.metadata?.labels));
    if (targets.length === 0) { problem(at(s), "selector matches no pod template"); continue; }
    for (const p of s.spec.ports || []) {
      const tp = p.targetPort ?? p.port;
      const ok = targets.some((w) => podContainers(w).some((c) => (c.ports || []).some((cp) => (typeof tp === "number" ? cp.containerPort === tp : cp.name === tp))));
      if (!ok) problem(at(s), `port ${p.name ?? p.port}: targetPort ${tp} is not a container port of the selected pods`);
    }
  }
  for (const pdb of byKind("PodDisruptionBudget")) {
    if (!podLabelSets.some((l) => matches(pdb.spec?.selector?.matchLabels, l))) problem(at(pdb), "selector matches no pod template");
    const replicas = Math.min(...workloads.filter((w) => matches(pdb.spec?.selector?.matchLabels, w.spec.template?.metadata?.labels)).map((w) => w.spec.replicas ?? 1));
    if (typeof pdb.spec?.minAvailable === "number" && pdb.spec.minAvailable >= replicas) problem(at(pdb), `minAvailable ${pdb.spec.minAvailable} blocks every eviction with ${replicas} replicas`);
  }
  for (const np of byKind("NetworkPolicy")) {
    const sel = np.spec?.podSelector?.matchLabels;
    if (sel && !podLabelSets.some((l) => matches(sel, l))) problem(at(np), "podSelector matches no pod template");
  }
  for (const hpa of byKind("HorizontalPodAutoscaler")) {
    const ref = hpa.spec?.scaleTargetRef || {};
    const target = objs.find((o) => o.kind === ref.kind && o.metadata?.name === ref.name);
    if (!target) { problem(at(hpa), `scaleTargetRef ${ref.kind}/${ref.name} is not defined here`); continue; }
    if (hpa.spec.minReplicas > hpa.spec.maxReplicas) problem(at(hpa), "minReplicas is above maxReplicas");
    const usesCpu = (hpa.spec.metrics || []).some((m) => m.resource?.name === "cpu");
    if (usesCpu && podContainers(target).some((c) => !c.resources?.requests?.cpu)) problem(at(hpa), "scales on CPU but a container has no CPU request");
  }
  for (const ing of byKind("Ingress")) {
    const backends = (ing.spec?.rules || []).flatMap((r) => r.http?.paths || []).map((p) => p.backend?.service).filter(Boolean);
    if (ing.spec?.defaultBackend?.service) backends.push(ing.spec.defaultBackend.service);
    for (const b of backends) {
      const svc = byKind("Service").find((s) => s.metadata?.name === b.name);
      if (!svc) { problem(at(ing), `backend Service ${b.name} is not defined here`); continue; }
      const ok = (svc.spec?.ports || []).some((p) => (b.port?.name ? p.name === b.port.name : p.port === b.port?.number));
      if (!ok) problem(at(ing), `backend port ${b.port?.name ?? b.port?.number} is not a port of Service ${b.name}`);
    }
  }
}

// Key paths of a YAML mapping ("server.port", "rate-limit.origin.per-minute", ...).
function keyPaths(value, prefix = "") {
  if (!value || typeof value !== "object" || Array.isArray(value)) return [prefix];
  const keys = Object.keys(value);
  if (keys.length === 0) return [prefix];
  return keys.flatMap((k) => keyPaths(value[k], prefix ? `${prefix}.${k}` : k));
}

function checkSecretExample(file, listedFiles) {
  const where = rel(file);
  if (listedFiles.has(file)) problem(where, "must not be listed in kustomization.yaml (it is a template; create the Secret by hand)");
  const docs = loadDocuments(file);
  const secrets = docs.filter((d) => d.value?.kind === "Secret");
  if (secrets.length === 0) problem(where, "holds no Secret");
  for (const d of secrets) {
    const values = { ...(d.value.stringData || {}) };
    for (const [k, v] of Object.entries(d.value.data || {})) values[k] = Buffer.from(String(v), "base64").toString("utf8");
    for (const [k, v] of Object.entries(values)) {
      const s = String(v ?? "");
      if (s !== "" && !/REPLACE_ME|CHANGE_ME|example\.(com|org|net|internal)/i.test(s)) {
        problem(`${where}:${d.line}`, `${k} does not look like a placeholder - real secrets never go into the repository`);
      }
    }
  }
  return docs;
}

// ---------------------------------------------------------------------------------------------------------------
// main
// ---------------------------------------------------------------------------------------------------------------
console.log(`validate-manifests: schemas from kubernetes-models ${modelsVersion}, strict mode (unknown fields are errors)`);

const listedFiles = new Set();
const kustomized = collectKustomization(k8sDir, listedFiles);
const secretExampleFile = join(k8sDir, "secret.example.yaml");
const secretDocs = existsSync(secretExampleFile) ? checkSecretExample(secretExampleFile, listedFiles) : [];

// k8s/app.yaml (the ConfigMap's content) against ../app.yaml
let k8sAppYaml = null;
const appYamlFile = join(k8sDir, "app.yaml");
const rootAppYamlFile = join(repoDir, "app.yaml");
if (existsSync(appYamlFile)) {
  const docs = loadDocuments(appYamlFile);
  k8sAppYaml = docs[0]?.value ?? null;
  if (existsSync(rootAppYamlFile) && k8sAppYaml) {
    const rootDoc = loadDocuments(rootAppYamlFile)[0]?.value ?? {};
    const mine = new Set(keyPaths(k8sAppYaml));
    const theirs = new Set(keyPaths(rootDoc));
    // k8s/app.yaml only overrides: the jar carries ../app.yaml as defaults, so every key here must exist there.
    const extra = [...mine].filter((k) => !theirs.has(k));
    if (extra.length) problem(rel(appYamlFile), `has keys that ../app.yaml lacks: ${extra.join(", ")} (renamed or removed there?)`);
  }
}

const secretNames = new Set([
  ...secretDocs.filter((d) => d.value?.kind === "Secret").map((d) => d.value.metadata?.name),
  ...kustomized.filter((e) => e.value?.kind === "Secret").map((e) => e.value.metadata?.name),
]);

for (const entry of [...kustomized, ...secretDocs]) {
  const label = entry.generated ? `${rel(entry.file)} (generated ${entry.value.kind} ${entry.value.metadata?.name})` : rel(entry.file);
  await validateObject(entry, label);
}
crossChecks(kustomized, `${rel(k8sDir)} (files)`, k8sAppYaml, secretNames);

for (const file of args.rendered) {
  const docs = loadDocuments(resolve(file));
  if (docs.length === 0) problem(file, "the rendered output holds no objects");
  for (const entry of docs) await validateObject(entry, `kubectl kustomize ${rel(k8sDir)} (${entry.value?.kind} ${entry.value?.metadata?.name}), rendered line`);
  crossChecks(docs, `kubectl kustomize ${rel(k8sDir)}`, k8sAppYaml, secretNames);
}

if (problems.length) {
  console.error(`\nvalidate-manifests: ${problems.length} problem(s) in ${rel(k8sDir)}:`);
  for (const p of problems) console.error(`  ERROR ${p}`);
  process.exit(1);
}
const files = [...listedFiles].filter((f) => f.endsWith(".yaml") || f.endsWith(".yml")).map(rel);
console.log(`validate-manifests: OK - ${validatedObjects} object(s) valid (${[...files, rel(secretExampleFile)].join(", ")}${args.rendered.length ? ", plus the kubectl kustomize output" : ""})`);
