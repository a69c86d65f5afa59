import { availableParallelism } from 'node:os';

/**
 * The cores this process may use, for its threads (protocol/threads.ts):
 * os.availableParallelism() (cgroups and CPU affinity count), and inside a
 * Slurm job no more than its allocation. Slurm confines a job to its CPUs
 * only where the cluster enables task/cgroup or task/affinity; elsewhere a
 * job of one CPU would see the whole node and crowd its neighbours.
 */
export function usableCores(env: NodeJS.ProcessEnv = process.env): number {
  const cores = availableParallelism();
  const allocated = Number(env.SLURM_CPUS_PER_TASK ?? env.SLURM_CPUS_ON_NODE);
  return Number.isInteger(allocated) && allocated > 0 ? Math.min(allocated, cores) : cores;
}
