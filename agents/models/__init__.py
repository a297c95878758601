"""Language models behind one narrow seam: the embedded local model, any OpenAI-compatible endpoint, and a scripted fake."""

from agents.models.seam import CallOptions, ChatModel, Completion, Message, ModelError, SchemaViolation, Usage

__all__ = ["CallOptions", "ChatModel", "Completion", "Message", "ModelError", "SchemaViolation", "Usage"]
