import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { TABLE_INDEXES } from '#shared/store/table.ts';
import { ClientStack } from '../../infra/client-stack.ts';
import { exampleConfig } from '../support/config.ts';

describe('the client stack table', () => {
  const template = Template.fromStack(
    new ClientStack(new App(), 'Samepage-acme', { config: exampleConfig() }),
  );

  it('has the keys and indexes the store queries, as the local twin creates them', () => {
    template.resourceCountIs('AWS::DynamoDB::Table', 1);
    const [table] = Object.values(template.findResources('AWS::DynamoDB::Table'));
    const indexes = table?.Properties.GlobalSecondaryIndexes as {
      IndexName: string;
      KeySchema: { AttributeName: string }[];
    }[];
    expect(
      indexes.map((index) => [index.IndexName, ...index.KeySchema.map((key) => key.AttributeName)]),
    ).toEqual([
      ['byCreated', 'g1pk', 'g1sk'],
      ['byMilestone', 'g2pk', 'g2sk'],
      ['byDisqualified', 'g3pk', 'g3sk'],
      ['byOwner', 'g4pk', 'g4sk'],
    ]);
    expect(indexes).toHaveLength(TABLE_INDEXES.length);
  });

  it('keeps the data: on-demand, point-in-time recovery, encrypted, protected and retained', () => {
    template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: Match.objectLike({
        BillingMode: 'PAY_PER_REQUEST',
        DeletionProtectionEnabled: true,
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        SSESpecification: { SSEEnabled: true },
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
      }),
    });
  });

  it('tags the stack with its client for cost allocation', () => {
    const [table] = Object.values(template.findResources('AWS::DynamoDB::Table'));
    expect(table?.Properties.Tags).toEqual(
      expect.arrayContaining([
        { Key: 'cost-allocation:client', Value: 'acme' },
        { Key: 'samepage:client', Value: 'acme' },
      ]),
    );
  });
});
