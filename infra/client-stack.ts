import { Stack, type StackProps, Tags } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { ClientConfig } from '#shared/config/schema.ts';
import { DataTable } from './constructs/data-table.ts';

export interface ClientStackProps extends StackProps {
  config: ClientConfig;
}

/** One client's stack: `Samepage-<client>`. Functions, API, schedules and mail arrive with issue 5. */
export class ClientStack extends Stack {
  readonly data: DataTable;

  constructor(scope: Construct, id: string, props: ClientStackProps) {
    super(scope, id, props);
    Tags.of(this).add('samepage:client', props.config.client);
    Tags.of(this).add('cost-allocation:client', props.config.client);
    this.data = new DataTable(this, 'Data');
  }
}
