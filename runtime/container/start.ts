import { GlobalOptions } from './api';
import { OciError } from '../errors';
export async function start(_g: GlobalOptions, _id: string): Promise<void> { throw new OciError('start: not implemented yet'); }
