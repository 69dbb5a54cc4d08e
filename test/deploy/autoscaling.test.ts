/**
 * The consumer HPA's lag rules and the lane settings, checked without a
 * cluster: one External rule per lane on the service's real lag gauge, with a
 * ratio (`Value`) target; the adapter notes name the real gauges; and the
 * ConfigMap's lane variables are values the real config parsers accept.
 */
import { expect } from 'chai';
import type { IHorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { parseProducerConfig } from '../../src/config/config';
import { parseConsumerConfig } from '../../src/config/consumer-config';
import { LANES } from '../../src/queue/lane';
import { loadManifests, readRepoFile } from './deploy-files';
import { byKind, configData, type Manifests } from './workloads';

const LAG_METRIC = 'push_fanout_lane_oldest_waiting_seconds';
/** Valid stand-ins for the Secret's placeholders (API_TOKENS needs 16+ characters). */
const SECRET_STAND_INS = { API_TOKENS: 'stand-in-token-0123456789', REDIS_PASSWORD: 'stand-in', PUSH_PROXY_TOKEN: 'stand-in' };

/** The HPA's External lag rules, by the lane their selector picks. */
function lagRules(hpa: IHorizontalPodAutoscaler): Map<string, { type: string; value: number; selector: Record<string, string> }> {
  const rules = new Map<string, { type: string; value: number; selector: Record<string, string> }>();
  for (const metric of hpa.spec?.metrics ?? []) {
    const external = metric.external;
    if (metric.type !== 'External' || external?.metric.name !== LAG_METRIC) continue;
    const selector = external.metric.selector?.matchLabels ?? {};
    rules.set(selector['lane'] ?? '', { type: external.target.type, value: Number(external.target.value), selector });
  }
  return rules;
}

describe('deploy: consumer autoscaling on lane lag', () => {
  let m: Manifests;

  before(() => {
    m = byKind(loadManifests().docs.map((d) => d.value));
  });

  it('has one lag rule per lane on the lag gauge, with a ratio target, interactive far tighter than bulk', () => {
    expect(m.autoscalers).to.have.length(1);
    const rules = lagRules(m.autoscalers[0]!);
    expect([...rules.keys()].sort(), 'lanes with a lag rule').to.deep.equal([...LANES].sort());
    for (const [lane, rule] of rules) {
      expect(rule.selector, lane).to.deep.equal({ queue: 'push-fanout', lane });
      // A lag does not split among pods as a backlog does: AverageValue would divide it by the replica count.
      expect(rule.type, `${lane} target type`).to.equal('Value');
      expect(rule.value, `${lane} target seconds`).to.be.greaterThan(0);
    }
    expect(rules.get('interactive')?.value, 'interactive target').to.be.at.most(5);
    expect(rules.get('bulk')?.value, 'bulk target').to.be.at.least(10 * (rules.get('interactive')?.value ?? Infinity));
  });

  it('names gauges the service really exports, in the HPA annotations and the adapter notes', () => {
    const shared = readRepoFile('src/metrics/shared-metrics.ts');
    for (const gauge of ['queue_waiting', 'lane_oldest_waiting_seconds', 'lane_waiting']) expect(shared, gauge).to.contain(`\${PREFIX}${gauge}`);
    expect(shared).to.contain("labelNames: ['lane']");
    const annotations = JSON.stringify(m.autoscalers[0]?.metadata?.annotations ?? {});
    expect(annotations).to.contain(LAG_METRIC).and.to.contain('push_fanout_queue_waiting');
    const notes = readRepoFile('deploy/autoscaling.md');
    for (const name of ['push_fanout_queue_waiting', 'push_fanout_queue_depth', LAG_METRIC, 'push_fanout_lane_in_flight']) expect(notes, name).to.contain(name);
    expect(notes).to.contain(`seriesQuery: '${LAG_METRIC}{namespace!="",queue!="",lane!=""}'`);
    expect(readRepoFile('src/metrics/consumer-metrics.ts')).to.contain('${PREFIX}lane_in_flight');
  });

  it('sets the lane variables in the ConfigMap to values the real config parsers accept', () => {
    const env: Record<string, string> = { ...configData(m), ...SECRET_STAND_INS };
    for (const name of ['BULK_MIN_RECIPIENTS', 'CONSUMER_INTERACTIVE_RESERVE_PERCENT', 'CONSUMER_BULK_MIN_PERCENT']) {
      expect(env, name).to.have.property(name);
    }
    const producer = parseProducerConfig(env);
    expect(producer.intake.bulkMinRecipients).to.equal(Number(env['BULK_MIN_RECIPIENTS']));
    const consumer = parseConsumerConfig(env);
    expect(consumer.lanes).to.deep.equal({
      interactiveReservedPercent: Number(env['CONSUMER_INTERACTIVE_RESERVE_PERCENT']),
      bulkMinimumPercent: Number(env['CONSUMER_BULK_MIN_PERCENT']),
    });
  });
});
