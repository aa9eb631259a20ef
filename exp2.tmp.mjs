import sharp from 'sharp';
import * as ort from 'onnxruntime-node';
const D='/work/shared/data';
const sess = await ort.InferenceSession.create(D+'/imagenet/mobilenet_v2_1.0_224.onnx');
function bilinear(src, w, h, left, top, s, out, alignCorners) {
  const o = new Uint8Array(out*out*3); const f = new Float32Array(out*out*3);
  const scale = s/out;
  for (let y=0;y<out;y++){ let sy = alignCorners ? y*(s-1)/(out-1) : (y+0.5)*scale-0.5; sy=Math.max(0,Math.min(s-1,sy)); const y0=Math.floor(sy), y1=Math.min(s-1,y0+1), dy=sy-y0;
    for (let x=0;x<out;x++){ let sx = alignCorners ? x*(s-1)/(out-1) : (x+0.5)*scale-0.5; sx=Math.max(0,Math.min(s-1,sx)); const x0=Math.floor(sx), x1=Math.min(s-1,x0+1), dx=sx-x0;
      for (let c=0;c<3;c++){ const g=(yy,xx)=>src[((top+yy)*w+(left+xx))*3+c];
        f[(y*out+x)*3+c] = (1-dy)*((1-dx)*g(y0,x0)+dx*g(y0,x1)) + dy*((1-dx)*g(y1,x0)+dx*g(y1,x1)); }}}
  return f;
}
for (const mode of ['half','align','halfround']) for (const img of ['cropped_panda.jpg','grace_hopper.jpg','cat.png','hot_dog.jpg','parrot.jpg']) {
  const { data, info } = await sharp(D+'/images/'+img).removeAlpha().toColourspace('srgb').raw().toBuffer({resolveWithObject:true});
  const s = Math.min(info.width, info.height);
  const left = Math.floor((info.width - s)/2), top = Math.floor((info.height - s)/2);
  let f = bilinear(data, info.width, info.height, left, top, s, 224, mode==='align');
  if (mode==='halfround') f = f.map(Math.round);
  const x = f.map(v=>(v-128)/128);
  const out = await sess.run({input: new ort.Tensor('float32', x, [1,224,224,3])});
  const p = out.probabilities.data; let best=0; for (let i=1;i<p.length;i++) if (p[i]>p[best]) best=i;
  console.log(mode, img, best, p[best].toFixed(4));
}
