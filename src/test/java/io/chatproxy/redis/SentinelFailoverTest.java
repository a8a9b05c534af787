package io.chatproxy.redis;

import io.chatproxy.testing.RedisTopology;

/** Failovers of a primary watched by three Sentinels ({@code redis-sentinel://} URL). */
class SentinelFailoverTest extends RedisFailoverContract {
    @Override
    RedisTopology startRedis() {
        return RedisTopology.sentinel();
    }
}
