#!/usr/bin/env node
// polytomic_example.js: calls the gateway from Node with @grpc/grpc-js, the
// contract loaded at run time from proto/ by @grpc/proto-loader (no generated
// code). The `node_client` target copies this script next to the
// `npm ci`-installed node_modules in build/client/node/, with proto_paths.json
// naming the .proto folders (the contract, google/rpc, google/protobuf).
//
//   node build/client/node/polytomic_example.js \
//       --address 127.0.0.1:15051 --token_file ~/.polytomic-gateway-token list
//   ... get ID
//   ... update ID "new name"                 # Get, then a masked update with the etag
//   ... update ID "new name" --etag STALE    # the same with this etag: ABORTED
//
// Each command prints one JSON line. A failed call prints
// {"op", "error": {"code", "message", "request_id", "error_info",
// "bad_request", "retry_info"}}, the details decoded from the
// `grpc-status-details-bin` trailer, and exits 1.
'use strict';

const fs = require('fs');
const path = require('path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');
const protobuf = require('protobufjs');

const kUsage = 'usage: polytomic_example.js [--address HOST:PORT] [--token_file FILE] ' +
    '[--timeout SECONDS] [--proto_path DIR ...] ' +
    '(list | get ID | update ID NAME [--etag ETAG])';

// ParseArgs splits flags (`--name value`) from positional arguments.
function ParseArgs(argv) {
  const flags = {address: '127.0.0.1:15051', timeout: '30', proto_path: []};
  const positional = [];
  for (let i = 0; i < argv.length; i++) {
    const match = /^--([a-z_]+)(?:=(.*))?$/.exec(argv[i]);
    if (!match) {
      positional.push(argv[i]);
      continue;
    }
    const value = match[2] !== undefined ? match[2] : argv[++i];
    if (value === undefined || !(match[1] in flags) && match[1] !== 'token_file' &&
        match[1] !== 'etag') {
      throw new Error(kUsage);
    }
    if (Array.isArray(flags[match[1]])) {
      flags[match[1]].push(value);
    } else {
      flags[match[1]] = value;
    }
  }
  return {flags, positional};
}

// ProtoPaths are the folders .proto imports resolve against: --proto_path,
// else proto_paths.json written by the build next to this script.
function ProtoPaths(flags) {
  if (flags.proto_path.length > 0) return flags.proto_path;
  return JSON.parse(fs.readFileSync(path.join(__dirname, 'proto_paths.json'), 'utf8'));
}

// Token is the caller token: --token_file's first line, else the environment.
function Token(flags) {
  if (flags.token_file) {
    return fs.readFileSync(flags.token_file, 'utf8').split('\n')[0].trim();
  }
  return process.env.POLYTOMIC_GATEWAY_TOKEN || '';
}

// LoadRpcTypes is a protobufjs root holding google.rpc's Status and details,
// to decode `grpc-status-details-bin`.
function LoadRpcTypes(protoPaths) {
  const root = new protobuf.Root();
  root.resolvePath = (origin, target) => {
    for (const dir of protoPaths) {
      const candidate = path.join(dir, target);
      if (fs.existsSync(candidate)) return candidate;
    }
    return protobuf.util.path.resolve(origin, target);
  };
  root.loadSync(['google/rpc/status.proto', 'google/rpc/error_details.proto'],
                {keepCase: true});
  return root;
}

// DecodeError is the gRPC status of a failed call with its google.rpc details.
function DecodeError(error, rpcTypes) {
  const out = {code: grpc.status[error.code], message: error.details};
  // The gateway sends x-request-id in the initial metadata, or in the
  // trailers when the call fails before responding.
  const requestId = (error.initialMetadata ? error.initialMetadata.get('x-request-id') : [])
      .concat(error.metadata.get('x-request-id'));
  if (requestId.length > 0) out.request_id = String(requestId[0]);
  const details = error.metadata.get('grpc-status-details-bin');
  if (details.length === 0) return out;
  // A google.rpc.Status whose details are Any-packed messages.
  const status = rpcTypes.lookupType('google.rpc.Status').decode(details[0]);
  for (const any of status.details) {
    const typeName = any.type_url.substring(any.type_url.lastIndexOf('/') + 1);
    if (typeName === 'google.rpc.ErrorInfo') {
      const info = rpcTypes.lookupType(typeName).decode(any.value);
      out.error_info = {reason: info.reason, domain: info.domain,
                        metadata: Object.assign({}, info.metadata)};
    } else if (typeName === 'google.rpc.BadRequest') {
      const badRequest = rpcTypes.lookupType(typeName).decode(any.value);
      out.bad_request = badRequest.field_violations.map(
          (v) => ({field: v.field, description: v.description}));
    } else if (typeName === 'google.rpc.RetryInfo') {
      const retry = rpcTypes.lookupType(typeName).decode(any.value);
      const delay = retry.retry_delay || {};
      out.retry_info = {retry_delay_seconds:
          Number(delay.seconds || 0) + (delay.nanos || 0) / 1e9};
    }
  }
  return out;
}

// Call makes one unary call with the token and a deadline, as a promise.
function Call(client, method, request, flags, metadata) {
  const deadline = new Date(Date.now() + Number(flags.timeout) * 1000);
  return new Promise((resolve, reject) => {
    let initial = null;
    const call = client[method](request, metadata, {deadline}, (error, response) => {
      if (error) {
        error.initialMetadata = initial;
        reject(error);
      } else {
        resolve(response);
      }
    });
    call.on('metadata', (received) => { initial = received; });
  });
}

function Summary(sync) {
  return {id: sync.id, name: sync.name, etag: sync.etag};
}

async function Run(op, args, flags, client, metadata) {
  if (op === 'list' && args.length === 0) {
    const response = await Call(client, 'ListBulkSyncs', {}, flags, metadata);
    return {syncs: response.data.map(Summary)};
  }
  if (op === 'get' && args.length === 1) {
    const response = await Call(client, 'GetBulkSync', {id: args[0]}, flags, metadata);
    return Summary(response.data);
  }
  if (op === 'update' && args.length === 2) {
    // Read the sync for its etag, then change only `name`: the gateway merges
    // the mask onto a fresh upstream read, and fails with ABORTED
    // (ETAG_MISMATCH) if the sync changed since this Get.
    const current =
        (await Call(client, 'GetBulkSync', {id: args[0]}, flags, metadata)).data;
    const etag = flags.etag !== undefined ? flags.etag : current.etag;
    const response = await Call(client, 'UpdateBulkSync', {
      id: args[0],
      bulk_sync: {name: args[1], etag},
      update_mask: {paths: ['name']},
    }, flags, metadata);
    return Object.assign(Summary(response.data),
                         {previous_name: current.name, previous_etag: current.etag});
  }
  throw new Error(kUsage);
}

async function Main() {
  let parsed;
  try {
    parsed = ParseArgs(process.argv.slice(2));
    if (parsed.positional.length === 0) throw new Error(kUsage);
  } catch (error) {
    console.error(error.message);
    return 2;
  }
  const {flags, positional} = parsed;
  const protoPaths = ProtoPaths(flags);
  // keepCase: fields keep their proto names (bulk_sync, update_mask), as in
  // every other language; `optional` fields are absent when unset.
  const definition = protoLoader.loadSync('polytomic/v1/bulk_sync.proto', {
    keepCase: true, longs: String, enums: String, defaults: false, oneofs: true,
    includeDirs: protoPaths,
  });
  const contract = grpc.loadPackageDefinition(definition);
  // A plaintext channel (the quickstart's loopback listener): the token goes
  // as call metadata, since gRPC sends call credentials only over TLS. Use
  // grpc.credentials.createSsl(...) for TLS.
  const client = new contract.polytomic.v1.BulkSyncService(
      flags.address, grpc.credentials.createInsecure());
  const metadata = new grpc.Metadata();
  metadata.set('authorization', 'Bearer ' + Token(flags));
  const [op, ...args] = positional;
  try {
    const result = await Run(op, args, flags, client, metadata);
    console.log(JSON.stringify(Object.assign(result, {op})));
    return 0;
  } catch (error) {
    if (error.code === undefined) {
      console.error(error.message);
      return 2;
    }
    const decoded = DecodeError(error, LoadRpcTypes(protoPaths));
    console.log(JSON.stringify({op, error: decoded}));
    return 1;
  } finally {
    client.close();
  }
}

Main().then((code) => { process.exitCode = code; });
