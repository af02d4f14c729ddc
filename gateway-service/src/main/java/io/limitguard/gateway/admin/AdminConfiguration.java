package io.limitguard.gateway.admin;

import io.limitguard.gateway.config.LimitGuardProperties;
import io.limitguard.gateway.limit.RedisConnection;
import io.limitguard.gateway.rules.RuleSet;
import io.limitguard.gateway.web.OverLimitCache;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;

/** The rules admin API and live rule changes; only with {@code limitguard.admin.token} set. */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty("limitguard.admin.token")
public class AdminConfiguration {

    @Bean
    LiveRules liveRules(LimitGuardProperties properties, RuleSet ruleSet, ObjectProvider<OverLimitCache> overLimit) {
        return new LiveRules(properties.rules(), ruleSet, overLimit.getIfAvailable());
    }

    @Bean(destroyMethod = "close")
    RuleStore ruleStore(LimitGuardProperties properties, AdminProperties admin, LiveRules rules,
            RedisConnection limiter) {
        if (properties.redis().cluster().enabled()) {
            // The rule store's hash and pub/sub channel use a standalone client; not ported to the cluster client yet.
            throw new IllegalArgumentException("limitguard.admin.token: the admin API (live rules) needs a standalone "
                    + "Redis (limitguard.redis.uri); it is not supported with limitguard.redis.cluster.nodes yet");
        }
        RuleStore store = new RuleStore(properties.redis(), admin, rules::apply);
        // with Sentinels, the limiter's watch tells the store of a new master in the same callback as the limiter:
        // once the limiter has moved, no change goes to the old master any more
        limiter.onMasterSwitch(store::moveTo);
        return store;
    }

    @Bean
    RouterFunction<ServerResponse> adminRoutes(AdminProperties admin, LiveRules rules, RuleStore store) {
        AdminHandler handler = new AdminHandler(admin.token(), rules, store);
        return RouterFunctions.route()
                .GET(AdminHandler.BASE, handler::list)
                .POST(AdminHandler.BASE, handler::add)
                .GET(AdminHandler.BASE + "/{id}", handler::get)
                .PUT(AdminHandler.BASE + "/{id}", handler::put)
                .DELETE(AdminHandler.BASE + "/{id}", handler::delete)
                .filter(handler.authenticated())
                .build();
    }
}
