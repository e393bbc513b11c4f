import { GlobalOptions } from './api';
import { State } from '../spec/types';
import { OciError } from '../errors';
export async function state(_g: GlobalOptions, _id: string): Promise<State> { throw new OciError('state: not implemented yet'); }
