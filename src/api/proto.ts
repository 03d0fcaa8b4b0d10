// Loads proto/hotspot.proto once. The file is found by walking up from this module, so the same code works from
// src/ (vitest) and from dist/src/ (the built CLI).
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

/** Options shared by the server and the tests' client: int64 as strings (exact), enums by name, nulls kept absent. */
export const PROTO_LOADER_OPTIONS: protoLoader.Options = {
  keepCase: true,
  longs: String,
  enums: String,
  defaults: false,
  arrays: true,
  oneofs: true,
};

export const HOTSPOT_SERVICE_NAME = 'hotspot.v1.Hotspot';

export function hotspotProtoPath(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, 'proto', 'hotspot.proto');
    if (existsSync(candidate)) return candidate;
    dir = dirname(dir);
  }
  throw new Error('proto/hotspot.proto not found above ' + dirname(fileURLToPath(import.meta.url)));
}

let cached: protoLoader.PackageDefinition | null = null;

export function hotspotPackageDefinition(): protoLoader.PackageDefinition {
  cached ??= protoLoader.loadSync(hotspotProtoPath(), PROTO_LOADER_OPTIONS);
  return cached;
}

export function hotspotServiceDefinition(): grpc.ServiceDefinition {
  const pkg = grpc.loadPackageDefinition(hotspotPackageDefinition()) as unknown as {
    hotspot: { v1: { Hotspot: grpc.ServiceClientConstructor } };
  };
  return pkg.hotspot.v1.Hotspot.service;
}

/** A generic client constructor (tests, tools). */
export function hotspotClientConstructor(): grpc.ServiceClientConstructor {
  const pkg = grpc.loadPackageDefinition(hotspotPackageDefinition()) as unknown as {
    hotspot: { v1: { Hotspot: grpc.ServiceClientConstructor } };
  };
  return pkg.hotspot.v1.Hotspot;
}
