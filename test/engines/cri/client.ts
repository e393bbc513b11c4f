/**
 * A test-only CRI client (runtime.v1 RuntimeService over a unix socket), the calls the kubelet
 * makes for a pod, promisified. The messages are declared in runtime-v1.proto next to this file.
 */
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import * as path from 'path';

export type Cri = Record<string, (req: object, timeoutMs?: number) => Promise<any>>;

const METHODS = [
  'Version', 'RunPodSandbox', 'StopPodSandbox', 'RemovePodSandbox', 'CreateContainer', 'StartContainer',
  'StopContainer', 'RemoveContainer', 'ContainerStatus', 'UpdateContainerResources', 'ExecSync', 'Exec',
  'ContainerStats',
];

export function criClient(socket: string): { cri: Cri; close(): void } {
  const def = protoLoader.loadSync(path.join(__dirname, 'runtime-v1.proto'), {
    keepCase: true, longs: Number, enums: String, defaults: true,
  });
  const pkg = grpc.loadPackageDefinition(def) as any;
  const client = new pkg.runtime.v1.RuntimeService(`unix://${socket}`, grpc.credentials.createInsecure());
  const cri: Cri = {};
  for (const m of METHODS) {
    const name = m[0].toLowerCase() + m.slice(1);
    cri[m] = (req, timeoutMs = 120000) => new Promise((resolve, reject) => {
      client[name](req, { deadline: new Date(Date.now() + timeoutMs) }, (err: Error | null, res: unknown) => {
        if (err) reject(err);
        else resolve(res);
      });
    });
  }
  return { cri, close: () => client.close() };
}
