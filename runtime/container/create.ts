import { GlobalOptions, CreateOptions } from './api';
import { OciError } from '../errors';
export async function create(_g: GlobalOptions, _o: CreateOptions): Promise<void> { throw new OciError('create: not implemented yet'); }
