// Turns played episodes into fixed-length clips with the CoinRun data set's labels and alignment
// (../shared/data/coinrun/README.md): frame i is what the agent saw before acting, actions[i] is what
// it then did, frame i+1 is the result. Clips are cut from each episode's first frame; the tail shorter
// than a clip is dropped, so no clip crosses an episode end.
import { PlatformerEnv, type EpisodeEnd, type Policy } from './platformer/index.ts';

export interface Episode {
  seed: number;
  frames: Uint8Array[]; // frames[i] was seen before actions[i]; the frame after the last action is not kept
  actions: number[];
  rewards: number[];
  end: EpisodeEnd;
}

/** One line of actions.jsonl, fields in the CoinRun data set's order. */
export interface ClipLabels {
  clip: string;
  seed: number;
  episode: number;
  start: number;
  actions: number[];
  rewards: number[];
  done_at: number | null;
  episode_len: number;
  episode_end: EpisodeEnd;
}

export interface Clip {
  frames: Uint8Array[];
  labels: Omit<ClipLabels, 'clip' | 'seed' | 'episode'>;
}

export type ClipSelection = 'all' | 'first';

export function playEpisode(env: PlatformerEnv, seed: number, policy: Policy): Episode {
  const frames = [env.reset(seed)];
  const actions: number[] = [];
  const rewards: number[] = [];
  for (;;) {
    const { body, t } = env.getState();
    const action = policy.act({ level: env.level, body, t });
    const { frame, reward, done, info } = env.step(action);
    actions.push(action);
    rewards.push(reward);
    if (done) return { seed, frames, actions, rewards, end: info.episodeEnd as EpisodeEnd };
    frames.push(frame);
  }
}

export function cutClips(episode: Episode, framesPerClip: number, selection: ClipSelection): Clip[] {
  const length = episode.actions.length;
  const count = Math.min(Math.floor(length / framesPerClip), selection === 'first' ? 1 : Infinity);
  return Array.from({ length: count }, (_, k) => {
    const start = k * framesPerClip;
    const end = start + framesPerClip;
    return {
      frames: episode.frames.slice(start, end),
      labels: {
        start,
        actions: episode.actions.slice(start, end),
        rewards: episode.rewards.slice(start, end),
        done_at: end === length ? framesPerClip - 1 : null, // the episode's last action is the clip's last
        episode_len: length,
        episode_end: episode.end,
      },
    };
  });
}
