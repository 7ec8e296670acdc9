import { z } from 'zod';

// Placeholder owned by the monitoring work: the alert rules and report schedule land here.
export const monitorConfigSchema = z
  .object({
    evaluationIntervalMs: z.number().int().positive().default(5_000),
  })
  .default({ evaluationIntervalMs: 5_000 });

export type MonitorConfig = z.infer<typeof monitorConfigSchema>;
