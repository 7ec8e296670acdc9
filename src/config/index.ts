export { configSchema, defaultConfig, NETWORKS, type Config, type DeepPartial, type Network } from './schema.js';
export { loadConfig, deepMerge, type LoadConfigOptions } from './load.js';
export { ENV_BINDINGS, firstOverride, type EnvBinding } from './env.js';
export { ConfigError, isConfigError, type ConfigProblem } from './errors.js';
export { maskSecrets } from './mask.js';
export { rpcPresets, resolveRpcLimits, RPC_PRESET_NAMES, type RpcLimits, type RpcLimitOverrides, type RpcPresetName } from './rpc-presets.js';
export { isLocalHost } from './consistency.js';
