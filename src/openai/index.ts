/**
 * `stepchart/openai`: LLM steps on the official `openai` SDK (an optional peer dependency; this is
 * the only module that imports it).
 *
 * @module
 */
export { LLMError } from "./errors.js";
export {
  type CallOptions,
  type ChatMessage,
  createLLM,
  type LLM,
  type LLMOptions,
  type LLMText,
  type LLMUsage,
  TokenEvent,
} from "./llm.js";
