/**
 * The board's chime, synthesized with the Web Audio API (no audio file): three falling bell tones, the
 * call signal halls use. Browsers start audio only after a user gesture, unless the kiosk browser allows
 * autoplay (Chromium's --autoplay-policy=no-user-gesture-required): then it is on from the start.
 */
type Ctor = typeof AudioContext;

export class Chime {
  private ctx: AudioContext | null = null;

  /** Whether sound can play now. */
  get enabled(): boolean {
    return this.ctx?.state === 'running';
  }

  /** Creates (or resumes) the audio context; true when sound is on. Call it from a click to be allowed. */
  async enable(): Promise<boolean> {
    const C = (window.AudioContext ?? (window as unknown as { webkitAudioContext?: Ctor }).webkitAudioContext) as Ctor | undefined;
    if (!C) return false;
    this.ctx ??= new C();
    if (this.ctx.state !== 'running') {
      // resume() stays pending without a user gesture in some browsers: do not wait for it forever.
      await Promise.race([this.ctx.resume().catch(() => undefined), new Promise((r) => setTimeout(r, 300))]);
    }
    return this.ctx.state === 'running';
  }

  async disable(): Promise<void> {
    await this.ctx?.suspend().catch(() => undefined);
  }

  /** Plays the chime (a recall plays it shorter); false when sound is off. */
  play(recall = false): boolean {
    const ctx = this.ctx;
    if (!ctx || ctx.state !== 'running') return false;
    const notes = recall ? [784, 523.25] : [784, 659.25, 523.25]; // G5, E5, C5
    const t0 = ctx.currentTime + 0.02;
    notes.forEach((freq, i) => {
      const start = t0 + i * 0.42;
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      osc.type = 'sine';
      osc.frequency.value = freq;
      gain.gain.setValueAtTime(0.0001, start);
      gain.gain.exponentialRampToValueAtTime(0.4, start + 0.015);
      gain.gain.exponentialRampToValueAtTime(0.0001, start + 1.4);
      osc.connect(gain).connect(ctx.destination);
      osc.start(start);
      osc.stop(start + 1.45);
    });
    return true;
  }

  close(): void {
    void this.ctx?.close().catch(() => undefined);
    this.ctx = null;
  }
}

/** Says the call aloud after the chime when the device has a voice for the language (many have none for Vietnamese). */
export function speak(text: string, lang: 'vi' | 'en'): void {
  if (typeof window === 'undefined' || !('speechSynthesis' in window)) return;
  const voice = window.speechSynthesis.getVoices().find((v) => v.lang.toLowerCase().startsWith(lang));
  if (!voice) return;
  const u = new SpeechSynthesisUtterance(text);
  u.voice = voice;
  u.lang = voice.lang;
  u.rate = 0.9;
  window.speechSynthesis.speak(u);
}
