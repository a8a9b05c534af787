-- The W3C traceparent of the request that stored a message (empty when tracing is off or the trace was not
-- sampled): a resume of the answer, on any replica and after the journal expired, links its span to that trace.
ALTER TABLE chat_messages ADD COLUMN trace_parent VARCHAR(55);
