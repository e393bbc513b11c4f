import { GlobalOptions } from './api';
import { State } from '../spec/types';
import { OciError } from '../errors';
export async function list(_g: GlobalOptions): Promise<State[]> { throw new OciError('list: not implemented yet'); }
