import {
  GetSecretValueCommand,
  ResourceNotFoundException,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { SecretNotFoundError } from '../errors.ts';
import type { Secrets } from '../ports/secrets.ts';

/** In AWS: the secret named in the client config, from Secrets Manager (as a plain string). */
export class SecretsManagerSecrets implements Secrets {
  constructor(private readonly client: SecretsManagerClient) {}

  async get(name: string): Promise<string> {
    try {
      const answer = await this.client.send(new GetSecretValueCommand({ SecretId: name }));
      if (!answer.SecretString)
        throw new SecretNotFoundError(name, 'Secrets Manager: the secret has no string value yet');
      return answer.SecretString;
    } catch (error) {
      if (error instanceof ResourceNotFoundException) throw new SecretNotFoundError(name, 'Secrets Manager');
      throw error;
    }
  }
}
